union-cmd-strikepay = Strike pay per strike day
union-strikepay = Strike pay: { $amount } per strike day, from the first day, for every member. If you strike, sign the list at the picket line.
union-welcome = Welcome to { $org }'s strike news! Picket line contact: { $contact }
union-picket-button = Sign up for picket duty
union-picket-signed = Thank you! You are signed up for picket duty.
union-picket-already = You are signed up for picket duty already.
union-cmd-picketlist = How many signed up for picket duty
union-picketlist = Signed up for picket duty: { $count }
