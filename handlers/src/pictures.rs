//! Pictures the bot sends to organizers: a printable QR code of a deep link
//! (for flyers and posters) and a line chart of subscribers per topic.
//!
//! Both are rendered in memory to PNG bytes, ready to be sent as a photo or
//! document. Text in charts is drawn with DejaVu Sans, embedded in the binary
//! (`handlers/assets/DejaVuSans.ttf`, licence beside it), so rendering does
//! not depend on the fonts installed on the machine.

use std::ops::Range;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, Luma};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use qrcode::{EcLevel, QrCode};

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The text does not fit into the largest QR code (about 2,300 bytes).
    #[error("the text is too long for a QR code")]
    TooLong,
    /// The QR encoder refused the text for another reason.
    #[error("the QR code could not be built: {0}")]
    Qr(String),
    /// The embedded font could not be registered with the chart renderer.
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// The chart renderer failed.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// Encoding the pixels as PNG failed.
    #[error("encoding the PNG failed")]
    Png(#[from] image::ImageError),
}

/// The smallest edge of a QR code picture, in pixels: about 10 cm at 300 dpi,
/// enough for posters and still sharp when scaled down for flyers.
pub const QR_MIN_SIZE: u32 = 1200;

/// Width and height of a chart picture, in pixels.
pub const CHART_SIZE: (u32, u32) = (1200, 800);

/// A PNG of the QR code of `link`, black modules on white, at least
/// [`QR_MIN_SIZE`] pixels square (every module the same whole number of
/// pixels, so the code is never blurred), with the standard quiet zone of
/// four modules on every side.
///
/// Error correction is level Q (a quarter of the code may be dirty or torn,
/// which suits printed paper); a link too long for Q falls back to level M,
/// and one too long even for M gives [`PictureError::TooLong`].
pub fn qr_png(link: &str) -> Result<Vec<u8>, PictureError> {
    let code = match QrCode::with_error_correction_level(link, EcLevel::Q) {
        Err(qrcode::types::QrError::DataTooLong) => QrCode::with_error_correction_level(link, EcLevel::M),
        other => other,
    }
    .map_err(|e| match e {
        qrcode::types::QrError::DataTooLong => PictureError::TooLong,
        other => PictureError::Qr(other.to_string()),
    })?;
    let picture = code
        .render::<Luma<u8>>()
        .quiet_zone(true)
        .dark_color(Luma([0]))
        .light_color(Luma([255]))
        .min_dimensions(QR_MIN_SIZE, QR_MIN_SIZE)
        .build();
    let (width, height) = picture.dimensions();
    encode_png(picture.as_raw(), width, height, ExtendedColorType::L8)
}

/// One line of a chart: a topic and its subscriber counts over time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Series {
    /// Shown in the legend; may contain any Unicode (letters the embedded font
    /// lacks, such as most emoji, show as a box).
    pub label: String,
    /// `(day, subscribers)`: the day as Unix milliseconds (read as UTC), the
    /// count on that day. Order does not matter; the line is drawn by day.
    pub points: Vec<(i64, i64)>,
}

/// A PNG line chart of subscribers per topic over time: [`CHART_SIZE`]
/// pixels, white background, `title` on top, one coloured line per series
/// with a legend of the labels to the right of the plot (never over the
/// lines), days on the x axis as `dd.mm.` and counts on the y axis.
///
/// Any input gives a chart: no series, series without points, a single
/// point, or only zeros (then the y axis runs from 0 to 4). Labels and title
/// too wide for their place are shortened with "…"; if there are more series
/// than the legend has room for, its last line says how many are left out.
pub fn subscriber_chart_png(title: &str, series: &[Series]) -> Result<Vec<u8>, PictureError> {
    register_font()?;
    let (width, height) = CHART_SIZE;
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, CHART_SIZE).into_drawing_area();
        draw_chart(&root, title, series)?;
        root.present().map_err(draw_error)?;
    }
    encode_png(&pixels, width, height, ExtendedColorType::Rgb8)
}

/// One bar of [`region_chart_png`]: a region and its subscribers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// The region's name, indented by its depth in the tree.
    pub label: String,
    /// Its subscribers; `None` when the figure is hidden (a small one, or
    /// one that would give a small one away): no bar, only `hidden` text.
    pub value: Option<i64>,
}

/// A PNG bar chart of subscribers per region: [`CHART_SIZE`] pixels,
/// `title` on top, one row per bar with its label on the left, the bar and
/// its figure; a hidden figure gets no bar and reads `hidden` ("< 5").
/// Rows that do not fit are left out and counted in a last row.
pub fn region_chart_png(title: &str, bars: &[Bar], hidden: &str) -> Result<Vec<u8>, PictureError> {
    register_font()?;
    let (width, height) = CHART_SIZE;
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, CHART_SIZE).into_drawing_area();
        draw_bars(&root, title, bars, hidden)?;
        root.present().map_err(draw_error)?;
    }
    encode_png(&pixels, width, height, ExtendedColorType::Rgb8)
}

fn draw_bars(root: &Area<'_>, title: &str, bars: &[Bar], hidden: &str) -> Result<(), PictureError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let (width, height) = root.dim_in_pixel();
    let (top, body) = root.split_vertically(TITLE_HEIGHT);
    let title_style = TextStyle::from((FONT, TITLE_SIZE).into_font()).color(&BLACK);
    let title = fit_text(&top, &clean(title), &title_style, width.saturating_sub(40))?;
    if !title.is_empty() {
        let style = title_style.pos(Pos::new(HPos::Center, VPos::Center));
        top.draw(&Text::new(title, (width as i32 / 2, TITLE_HEIGHT as i32 / 2 + 4), style)).map_err(draw_error)?;
    }
    let style = TextStyle::from((FONT, LEGEND_SIZE).into_font()).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    let rows = ((height - TITLE_HEIGHT) as i32 - 20) / LEGEND_ROW;
    let rows = rows.max(1) as usize;
    let shown = if bars.len() > rows { rows - 1 } else { bars.len() };
    let largest = bars.iter().filter_map(|b| b.value).max().unwrap_or(0).max(1);
    let (label_x, bar_x) = (20, LEGEND_WIDTH as i32 + 40);
    let bar_room = width as i32 - bar_x - 160;
    for (i, bar) in bars.iter().take(shown).enumerate() {
        let y = 20 + LEGEND_ROW / 2 + i as i32 * LEGEND_ROW;
        // Leading spaces indent the label (the tree's depth).
        let indent = (bar.label.len() - bar.label.trim_start().len()) as i32 * 14;
        let label = fit_text(&body, &clean(bar.label.trim_start()), &style, LEGEND_WIDTH - indent as u32)?;
        body.draw(&Text::new(label, (label_x + indent, y), style.clone())).map_err(draw_error)?;
        let figure = match bar.value {
            Some(n) => {
                let length = (n.max(0) as f64 / largest as f64 * f64::from(bar_room)).round() as i32;
                let colour = PALETTE[0];
                body.draw(&Rectangle::new([(bar_x, y - 13), (bar_x + length, y + 13)], colour.filled()))
                    .map_err(draw_error)?;
                (count_label(n as f64), bar_x + length + 12)
            }
            None => (hidden.to_owned(), bar_x + 12),
        };
        body.draw(&Text::new(figure.0, (figure.1, y), style.clone())).map_err(draw_error)?;
    }
    if shown < bars.len() {
        let y = 20 + LEGEND_ROW / 2 + shown as i32 * LEGEND_ROW;
        body.draw(&Text::new(format!("+{} …", bars.len() - shown), (label_x, y), style.clone())).map_err(draw_error)?;
    }
    Ok(())
}

/// The font family name the embedded font is registered under. Plotters'
/// defaults also ask for "sans-serif", so every text finds the font.
const FONT: &str = "sans-serif";

/// DejaVu Sans, Bitstream Vera licence (see `assets/DejaVuSans-LICENSE.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the embedded font with plotters once per process.
fn register_font() -> Result<(), PictureError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err(PictureError::Font) }
}

fn encode_png(raw: &[u8], width: u32, height: u32, color: ExtendedColorType) -> Result<Vec<u8>, PictureError> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out).write_image(raw, width, height, color)?;
    Ok(out)
}

fn draw_error(e: impl std::fmt::Display) -> PictureError {
    PictureError::Draw(e.to_string())
}

/// Line colours, distinct from each other and readable on white (after the
/// colour-blind safe palette of Okabe and Ito, without its yellow, then a few
/// darker tones). More series than colours reuse them in order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(51, 34, 136),
    RGBColor(136, 34, 85),
    RGBColor(153, 153, 51),
    RGBColor(68, 68, 68),
];

const MS_PER_DAY: f64 = 86_400_000.0;
const TITLE_HEIGHT: u32 = 70;
const TITLE_SIZE: f64 = 40.0;
const LABEL_SIZE: f64 = 24.0;
const LEGEND_SIZE: f64 = 26.0;
const LEGEND_WIDTH: u32 = 320;
const LEGEND_ROW: i32 = 40;
const GRID: RGBColor = RGBColor(225, 225, 225);
/// At most this many labelled ticks on each axis.
const MAX_TICKS: i64 = 10;

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn draw_chart(root: &Area<'_>, title: &str, series: &[Series]) -> Result<(), PictureError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let (width, _) = root.dim_in_pixel();
    let (top, body) = root.split_vertically(TITLE_HEIGHT);

    let title_style = TextStyle::from((FONT, TITLE_SIZE).into_font()).color(&BLACK);
    let title = fit_text(&top, &clean(title), &title_style, width.saturating_sub(40))?;
    if !title.is_empty() {
        let centre = (width as i32 / 2, TITLE_HEIGHT as i32 / 2 + 4);
        let style = title_style.pos(Pos::new(HPos::Center, VPos::Center));
        top.draw(&Text::new(title, centre, style)).map_err(draw_error)?;
    }

    let plot = if series.is_empty() {
        body
    } else {
        let (plot, legend) = body.split_horizontally(width - LEGEND_WIDTH);
        draw_legend(&legend, series)?;
        plot
    };
    draw_plot(&plot, series)
}

/// The legend panel: per series a short line in its colour and the label.
fn draw_legend(area: &Area<'_>, series: &[Series]) -> Result<(), PictureError> {
    let (_, height) = area.dim_in_pixel();
    let style = TextStyle::from((FONT, LEGEND_SIZE).into_font()).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    let top = 30;
    let rows = ((height as i32 - top - 20) / LEGEND_ROW).max(1) as usize;
    // Leave the last row for "+N …" when not all series fit.
    let shown = if series.len() > rows { rows - 1 } else { series.len() };
    for (i, one) in series.iter().take(shown).enumerate() {
        let y = top + i as i32 * LEGEND_ROW;
        let colour = PALETTE[i % PALETTE.len()];
        area.draw(&PathElement::new(vec![(10, y), (44, y)], colour.stroke_width(4))).map_err(draw_error)?;
        area.draw(&Circle::new((27, y), 5, colour.filled())).map_err(draw_error)?;
        let label = fit_text(area, &clean(&one.label), &style, LEGEND_WIDTH - 70)?;
        area.draw(&Text::new(label, (54, y), style.clone())).map_err(draw_error)?;
    }
    if shown < series.len() {
        let y = top + shown as i32 * LEGEND_ROW;
        let more = format!("+{} …", series.len() - shown);
        area.draw(&Text::new(more, (54, y), style.clone())).map_err(draw_error)?;
    }
    Ok(())
}

/// Axes, grid and one line (with dots while there are few points) per series.
fn draw_plot(area: &Area<'_>, series: &[Series]) -> Result<(), PictureError> {
    let all = || series.iter().flat_map(|s| s.points.iter().copied());
    let (x_range, x_ticks) = match (all().map(|p| p.0).min(), all().map(|p| p.0).max()) {
        (Some(first), Some(last)) => {
            let (lo, hi) = day_range(first, last);
            (lo..hi, day_ticks(lo, hi))
        }
        _ => (0.0..1.0, Vec::new()),
    };
    let y_max = all().map(|p| p.1).max().unwrap_or(0).max(0);
    let y_min = all().map(|p| p.1).min().unwrap_or(0).min(0);
    let (y_lo, y_hi, y_ticks) = count_axis(y_min, y_max);

    let label_style = TextStyle::from((FONT, LABEL_SIZE).into_font()).color(&BLACK);
    let mut y_label_width = 0;
    for tick in &y_ticks {
        let (w, _) = area.estimate_text_size(&count_label(*tick), &label_style).map_err(draw_error)?;
        y_label_width = y_label_width.max(w);
    }

    let mut chart = ChartBuilder::on(area)
        .margin_top(10)
        .margin_left(10)
        .margin_right(30)
        .margin_bottom(10)
        .x_label_area_size(40)
        .y_label_area_size(y_label_width + 20)
        .build_cartesian_2d(Ticked::new(x_range, x_ticks), Ticked::new(y_lo..y_hi, y_ticks))
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .axis_style(BLACK.stroke_width(2))
        .label_style(label_style)
        .x_label_formatter(&|day| day_label(*day))
        .y_label_formatter(&|count| count_label(*count))
        .draw()
        .map_err(draw_error)?;

    for (i, one) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut points: Vec<(f64, f64)> =
            one.points.iter().map(|&(ms, n)| (ms as f64 / MS_PER_DAY, n as f64)).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if points.len() > 1 {
            chart.draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(3))).map_err(draw_error)?;
        }
        if points.len() <= 62 {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, colour.filled()))).map_err(draw_error)?;
        }
    }
    Ok(())
}

/// A linear f64 axis with grid lines and labels exactly at the given ticks
/// (plotters' own f64 axis puts them at round numbers, which for days are not
/// whole days and for counts may be fractions).
struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        Self { inner: range.into(), ticks }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold lines: no light grid between the ticks.
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// The x axis in days since the epoch (fractional): the data with a little
/// room on both sides so dots at the ends are not cut, and at least three
/// days wide so there are always labelled days.
fn day_range(first_ms: i64, last_ms: i64) -> (f64, f64) {
    let lo = first_ms as f64 / MS_PER_DAY;
    let hi = last_ms as f64 / MS_PER_DAY;
    let span = hi - lo;
    if span < 3.0 {
        let middle = lo + span / 2.0;
        (middle - 1.5, middle + 1.5)
    } else {
        (lo - span * 0.03, hi + span * 0.03)
    }
}

/// Labelled days between `lo` and `hi` (days since the epoch): every day,
/// every second day, every (second) Monday, the first of every 1, 2, 3, 6,
/// 12, … months, whichever is the finest giving at most [`MAX_TICKS`].
fn day_ticks(lo: f64, hi: f64) -> Vec<f64> {
    // `as` saturates, so absurd inputs stay finite integers.
    let first = lo.ceil() as i64;
    let last = hi.floor() as i64;
    if first > last {
        return Vec::new();
    }
    let span = last.saturating_sub(first);
    for step in [1, 2] {
        if span / step < MAX_TICKS {
            return every(first, last, step);
        }
    }
    for step in [7, 14] {
        if span / step < MAX_TICKS {
            // 1970-01-01 was a Thursday, so Mondays are the days d with (d + 3) % 7 == 0.
            let monday = first + (7 - (first + 3).rem_euclid(7)) % 7;
            return every(monday, last, step);
        }
    }
    if let (Some(a), Some(b)) = (date_of_day(first), date_of_day(last)) {
        let month = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        let (from, to) = (month(a), month(b));
        for step in [1, 2, 3, 6, 12, 24, 60, 120] {
            if (to - from) / step < MAX_TICKS {
                let start = from + (step - from.rem_euclid(step)) % step;
                return every(start, to, step)
                    .into_iter()
                    .filter_map(|m| first_of_month(m as i64))
                    .filter(|&day| first <= day && day <= last)
                    .map(|day| day as f64)
                    .collect();
            }
        }
    }
    let step = (span / (MAX_TICKS - 1)).max(1).saturating_add(1);
    every(first, last, step)
}

/// `start`, `start + step`, … up to `end`, as f64, without overflowing.
fn every(start: i64, end: i64, step: i64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut at = start;
    while at <= end && out.len() < 64 {
        out.push(at as f64);
        match at.checked_add(step) {
            Some(next) => at = next,
            None => break,
        }
    }
    out
}

fn date_of_day(day: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp(day.checked_mul(86_400)?, 0).map(|t| t.date_naive())
}

/// Days since the epoch of the first of month number `month` (year × 12 +
/// zero-based month).
fn first_of_month(month: i64) -> Option<i64> {
    let year = i32::try_from(month.div_euclid(12)).ok()?;
    let date = NaiveDate::from_ymd_opt(year, month.rem_euclid(12) as u32 + 1, 1)?;
    Some(date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days())
}

fn day_label(day: f64) -> String {
    date_of_day(day.round() as i64).map(|d| d.format("%d.%m.").to_string()).unwrap_or_default()
}

/// The y axis: from 0 (or the lowest count, if negative) to a round number
/// above the highest count, with ticks at steps of 1, 2 or 5 × 10ⁿ (never
/// below 1: counts are whole).
fn count_axis(min: i64, max: i64) -> (f64, f64, Vec<f64>) {
    let (min, max) = (min as f64, max as f64);
    let span = (max - min).max(4.0);
    let rough = span / (MAX_TICKS - 2) as f64;
    let magnitude = 10f64.powf(rough.log10().floor()).max(1.0);
    let step =
        [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|&s| s >= rough).unwrap_or(10.0 * magnitude);
    let lo = (min / step).floor() * step;
    let hi = ((max / step).floor() + 1.0) * step;
    let hi = if hi - lo < span { lo + (span / step).ceil() * step } else { hi };
    let count = ((hi - lo) / step).round() as usize;
    let ticks = (0..=count.min(64)).map(|i| lo + i as f64 * step).collect();
    (lo, hi, ticks)
}

fn count_label(count: f64) -> String {
    (count.round() as i64).to_string()
}

/// Control characters (line breaks, tabs) would draw as boxes: make them
/// spaces.
fn clean(text: &str) -> String {
    text.chars().take(300).map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

/// `text`, shortened with "…" until it is at most `max_width` pixels wide.
fn fit_text(area: &Area<'_>, text: &str, style: &TextStyle<'_>, max_width: u32) -> Result<String, PictureError> {
    let width = |s: &str| area.estimate_text_size(s, style).map(|(w, _)| w).map_err(draw_error);
    if width(text)? <= max_width {
        return Ok(text.to_string());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let shorter: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if width(&shorter)? <= max_width {
            return Ok(shorter);
        }
    }
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LINK: &str = "https://t.me/basis_bot?start=strikes";
    const DAY: i64 = 86_400_000;
    /// 2025-03-01 00:00 UTC.
    const MARCH: i64 = 1_740_787_200_000;

    fn decode_qr(png: &[u8]) -> (u32, u32, Vec<(rqrr::MetaData, String)>, image::GrayImage) {
        let picture = image::load_from_memory(png).expect("a PNG").to_luma8();
        let (w, h) = picture.dimensions();
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            picture.get_pixel(x as u32, y as u32)[0]
        });
        let found = prepared.detect_grids().iter().map(|grid| grid.decode().expect("decodes")).collect();
        (w, h, found, picture)
    }

    #[test]
    fn region_bars_draw_a_bar_per_shown_figure_and_none_for_a_hidden_one() {
        let bar = |label: &str, value| Bar { label: label.to_owned(), value };
        let blue = |png: &[u8]| {
            let picture = image::load_from_memory(png).expect("a PNG").to_rgb8();
            assert_eq!(picture.dimensions(), CHART_SIZE);
            picture.pixels().filter(|p| p.0 == [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2]).count()
        };
        let both = region_chart_png("Regionen", &[bar("Hessen", Some(40)), bar("  Kassel", Some(40))], "< 5").unwrap();
        let one = region_chart_png("Regionen", &[bar("Hessen", Some(40)), bar("  Kassel", None)], "< 5").unwrap();
        let none = region_chart_png("Regionen", &[bar("Hessen", None)], "< 5").unwrap();
        assert_eq!(blue(&none), 0, "a hidden figure has no bar");
        assert!(blue(&one) > 0);
        assert_eq!(blue(&both), 2 * blue(&one), "two equal figures, two equal bars");
        let many: Vec<Bar> = (0..40).map(|i| bar(&format!("Region {i}"), Some(i))).collect();
        assert!(region_chart_png("", &many, "< 5").is_ok(), "more rows than fit");
        assert!(region_chart_png("", &[], "< 5").is_ok());
    }

    #[test]
    fn qr_is_large_square_and_decodes_to_the_link() {
        let png = qr_png(LINK).unwrap();
        let (w, h, found, picture) = decode_qr(&png);
        assert_eq!(w, h);
        assert!(w >= QR_MIN_SIZE, "{w} px");
        assert_eq!(found.len(), 1);
        let (meta, text) = &found[0];
        assert_eq!(text, LINK);
        // Format bits: 0 = M, 3 = Q, 2 = H; 1 would be L.
        assert_ne!(meta.ecc_level, 1, "error correction below M");
        // Only pure black and white.
        assert!(picture.pixels().all(|p| p[0] == 0 || p[0] == 255));
        // Quiet zone: four modules of white. A version-v code has 17 + 4v
        // modules, plus 8 of quiet zone.
        let modules = 17 + 4 * meta.version.0 as u32 + 8;
        assert_eq!(w % modules, 0, "whole pixels per module");
        let module = w / modules;
        let margin = 4 * module;
        for i in 0..w {
            for j in 0..margin {
                for (x, y) in [(i, j), (j, i), (i, w - 1 - j), (w - 1 - j, i)] {
                    assert_eq!(picture.get_pixel(x, y)[0], 255, "quiet zone at {x},{y}");
                }
            }
        }
        // The finder pattern starts right after it.
        assert_eq!(picture.get_pixel(margin, margin)[0], 0);
    }

    #[test]
    fn qr_of_a_long_text_falls_back_and_still_decodes() {
        let long: String = (0..1500).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let (w, _, found, _) = decode_qr(&qr_png(&long).unwrap());
        assert!(w >= QR_MIN_SIZE);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, long);
    }

    #[test]
    fn qr_of_too_long_text_is_an_error_not_a_panic() {
        let huge = "x".repeat(5000);
        assert!(matches!(qr_png(&huge), Err(PictureError::TooLong)));
        // Empty and non-ASCII texts are fine.
        assert!(qr_png("").is_ok());
        let (_, _, found, _) = decode_qr(&qr_png("https://t.me/basis_bot?start=grün").unwrap());
        assert_eq!(found[0].1, "https://t.me/basis_bot?start=grün");
    }

    fn decode_chart(png: &[u8]) -> image::RgbImage {
        let picture = image::load_from_memory(png).expect("a PNG").to_rgb8();
        assert_eq!(picture.dimensions(), CHART_SIZE);
        picture
    }

    /// Pixels of exactly `colour` inside the plot (left of the legend panel).
    fn plot_pixels(picture: &image::RgbImage, colour: RGBColor) -> usize {
        let right = CHART_SIZE.0 - LEGEND_WIDTH;
        picture
            .enumerate_pixels()
            .filter(|(x, y, p)| *x < right && *y > TITLE_HEIGHT && p.0 == [colour.0, colour.1, colour.2])
            .count()
    }

    fn sample() -> Vec<Series> {
        let days = |f: fn(i64) -> i64| (0..30).map(|d| (MARCH + d * DAY, f(d))).collect::<Vec<_>>();
        vec![
            Series { label: "Streiks".into(), points: days(|d| 40 + d * 12) },
            Series { label: "Gewerkschaftsgrün ÄÖÜ äöüß 📣".into(), points: days(|d| 10 + d * d / 2) },
            Series { label: "Termine".into(), points: days(|d| 120 - d) },
        ]
    }

    #[test]
    fn chart_has_the_size_and_coloured_lines() {
        let picture = decode_chart(&subscriber_chart_png("Abonnenten je Thema", &sample()).unwrap());
        for colour in &PALETTE[..3] {
            assert!(plot_pixels(&picture, *colour) > 500, "too few pixels of {colour:?}");
        }
        // The legend panel shows the colours too.
        let legend = picture.enumerate_pixels().filter(|(x, _, p)| *x >= 900 && p.0 == [0, 114, 178]).count();
        assert!(legend > 50);
        // The title draws dark pixels in the top band.
        let title = picture.enumerate_pixels().filter(|(_, y, p)| *y < TITLE_HEIGHT && p.0[0] < 100).count();
        assert!(title > 200);
    }

    #[test]
    fn chart_of_nothing_is_still_a_chart() {
        let picture = decode_chart(&subscriber_chart_png("", &[]).unwrap());
        // Axes are drawn.
        assert!(picture.pixels().any(|p| p.0 == [0, 0, 0]));
        let empty = [Series { label: "Leer".into(), points: vec![] }];
        decode_chart(&subscriber_chart_png("Nichts", &empty).unwrap());
    }

    #[test]
    fn chart_of_one_point_or_zeros() {
        let one = [Series { label: "Eins".into(), points: vec![(MARCH, 7)] }];
        let picture = decode_chart(&subscriber_chart_png("Ein Punkt", &one).unwrap());
        assert!(plot_pixels(&picture, PALETTE[0]) > 30, "the single point shows as a dot");

        let zeros = [
            Series { label: "Null".into(), points: vec![(MARCH, 0), (MARCH + DAY, 0)] },
            Series { label: "Auch null".into(), points: vec![(MARCH, 0), (MARCH + 2 * DAY, 0)] },
        ];
        let picture = decode_chart(&subscriber_chart_png("Nullen", &zeros).unwrap());
        assert!(plot_pixels(&picture, PALETTE[0]) > 30);
        assert!(plot_pixels(&picture, PALETTE[1]) > 30);
    }

    #[test]
    fn umlauts_in_labels_render_as_glyphs() {
        // Draw the same legend label once with umlauts and once with plain
        // vowels: the rendered pixels differ (an umlaut missing from the font
        // would not draw at all or draw the same box for each letter).
        let chart = |label: &str| {
            let series = [Series { label: label.into(), points: vec![(MARCH, 3), (MARCH + DAY, 5)] }];
            decode_chart(&subscriber_chart_png("Ä", &series).unwrap())
        };
        let with = chart("Grüße ÄÖÜ");
        let without = chart("Grusse AOU");
        let dark = |p: &image::RgbImage| p.enumerate_pixels().filter(|(x, _, p)| *x >= 950 && p.0[0] < 128).count();
        assert!(dark(&with) > 100);
        assert_ne!(dark(&with), dark(&without));
        // "Ä" in the title draws something.
        assert!(with.enumerate_pixels().any(|(_, y, p)| y < TITLE_HEIGHT && p.0[0] < 128));
    }

    #[test]
    fn many_series_and_long_labels_fit() {
        let series: Vec<Series> = (0..40)
            .map(|i| Series {
                label: format!("Thema {i} mit einem sehr, sehr langen Namen, der nicht passt"),
                points: (0..400).map(|d| (MARCH + d * DAY, i * 10 + d)).collect(),
            })
            .collect();
        decode_chart(&subscriber_chart_png(&"Titel ".repeat(100), &series).unwrap());
    }

    #[test]
    fn day_ticks_are_whole_days_and_few() {
        let day = MARCH / DAY;
        for span in [0, 1, 5, 9, 12, 30, 70, 100, 200, 400, 1000, 5000, 100_000] {
            let (lo, hi) = day_range(MARCH, MARCH + span * DAY);
            let ticks = day_ticks(lo, hi);
            assert!(!ticks.is_empty() && ticks.len() <= MAX_TICKS as usize, "span {span}: {ticks:?}");
            assert!(ticks.iter().all(|t| t.fract() == 0.0 && lo <= *t && *t <= hi));
            assert!(ticks.windows(2).all(|w| w[0] < w[1]));
        }
        assert_eq!(day_label(day as f64), "01.03.");
        let (lo, hi) = day_range(MARCH, MARCH + 200 * DAY);
        assert!(day_ticks(lo, hi).iter().all(|t| day_label(*t).starts_with("01.")), "month starts");
    }

    #[test]
    fn count_axis_has_whole_steps_and_room() {
        for (min, max) in [(0, 0), (0, 1), (0, 7), (0, 99), (0, 100), (-5, 3), (0, 123_456), (0, i64::MAX)] {
            let (lo, hi, ticks) = count_axis(min, max);
            assert!(lo <= min as f64 && hi > max as f64 || max == i64::MAX, "{min}..{max}: {lo}..{hi}");
            assert!(ticks.len() >= 2 && ticks.len() <= 12, "{min}..{max}: {ticks:?}");
            assert!(ticks.windows(2).all(|w| w[1] - w[0] >= 1.0));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn any_input_gives_a_chart(
            title in ".{0,40}",
            series in prop::collection::vec(
                (".{0,30}", prop::collection::vec((any::<i64>(), any::<i64>()), 0..6)),
                0..5,
            ),
        ) {
            let series: Vec<Series> = series.into_iter().map(|(label, points)| Series { label, points }).collect();
            let png = subscriber_chart_png(&title, &series).unwrap();
            decode_chart(&png);
        }

        #[test]
        fn any_link_gives_a_qr_code_or_an_error(link in ".{0,200}") {
            let png = qr_png(&link).unwrap();
            prop_assert!(image::load_from_memory(&png).unwrap().width() >= QR_MIN_SIZE);
        }
    }

    /// Writes a sample chart and QR code to the temp dir to look at:
    /// `cargo test -p basis-handlers --lib pictures::tests::write_samples -- --ignored`.
    #[test]
    #[ignore]
    fn write_samples() {
        let dir = std::env::temp_dir();
        std::fs::write(dir.join("chart.png"), subscriber_chart_png("Abonnenten je Thema – März", &sample()).unwrap())
            .unwrap();
        std::fs::write(dir.join("qr.png"), qr_png(LINK).unwrap()).unwrap();
        let one = [Series { label: "Ein Punkt 📣 😀".into(), points: vec![(MARCH, 7)] }];
        std::fs::write(dir.join("chart-one.png"), subscriber_chart_png("Ein Punkt", &one).unwrap()).unwrap();
        std::fs::write(dir.join("chart-empty.png"), subscriber_chart_png("Noch keine Daten", &[]).unwrap()).unwrap();
        let many: Vec<Series> = (0..25)
            .map(|i| Series {
                label: format!("Thema {i} mit langem Namen"),
                points: (0..400).map(|d| (MARCH + d * DAY, i * 300 + d * (i + 1))).collect(),
            })
            .collect();
        std::fs::write(dir.join("chart-many.png"), subscriber_chart_png("Viele Themen", &many).unwrap()).unwrap();
    }
}
