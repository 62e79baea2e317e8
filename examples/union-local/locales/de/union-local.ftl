union-cmd-strikepay = Streikgeld pro Streiktag
union-strikepay = Streikgeld: { $amount } pro Streiktag, ab dem ersten Tag, für alle Mitglieder. Wer mitstreikt, trägt sich beim Streikposten in die Liste ein.
union-welcome = Willkommen bei den Streik-Nachrichten von { $org }! Streikposten-Kontakt: { $contact }
union-picket-button = Streikposten eintragen
union-picket-signed = Danke! Du bist für den Streikposten eingetragen.
union-picket-already = Du bist schon für den Streikposten eingetragen.
union-cmd-picketlist = Wie viele sich für den Streikposten eingetragen haben
union-picketlist = Für den Streikposten eingetragen: { $count }
