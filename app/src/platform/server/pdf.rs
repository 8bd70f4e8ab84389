//! PDFs the platform draws itself (invoices, certificates), with krilla: the
//! CJK font is subset into each document, so the text is selectable and prints the
//! same everywhere. The font file is large (Noto Sans CJK is 20 MB), so it is read
//! once, on the first document, and kept.

use super::config::FontFile;
use crate::error::{AppError, AppResult};
use krilla::{
    Document,
    color::rgb,
    geom::{PathBuilder, Point, Rect},
    page::PageSettings,
    paint::{Fill, Stroke},
    surface::Surface,
    text::{Font, TextDirection},
};
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

/// A font file's bytes and the face to draw with.
type LoadedFont = (Arc<Vec<u8>>, u32);

/// The font for PDFs, loaded on first use, and the renders allowed at once.
#[derive(Clone, Debug)]
pub struct PdfFont {
    configured: Option<FontFile>,
    loaded: Arc<OnceCell<Option<LoadedFont>>>,
    /// One render per core: a burst of downloads queues here instead of shaping and
    /// subsetting the CJK font on every blocking thread at once (memory, CPU).
    renders: Arc<Semaphore>,
}

impl PdfFont {
    pub fn new(configured: Option<FontFile>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { configured, loaded: Arc::default(), renders: Arc::new(Semaphore::new(cores)) }
    }

    /// The font bytes and face, or `None` when no CJK font is installed.
    async fn bytes(&self) -> Option<LoadedFont> {
        let configured = self.configured.clone();
        self.loaded
            .get_or_init(|| async move {
                let candidates: Vec<FontFile> = match configured {
                    Some(font) => vec![font],
                    None => FontFile::DEBIAN_DEFAULTS
                        .iter()
                        .map(|(path, face)| FontFile { path: path.into(), face: *face })
                        .collect(),
                };
                for font in candidates {
                    match tokio::fs::read(&font.path).await {
                        Ok(bytes) => {
                            tracing::info!(path = %font.path.display(), face = font.face, "PDF font loaded");
                            return Some((Arc::new(bytes), font.face));
                        }
                        Err(err) => {
                            tracing::debug!(path = %font.path.display(), error = %err, "no PDF font here")
                        }
                    }
                }
                tracing::warn!("no CJK font for PDFs: set XUESHI_PDF_FONT or install fonts-noto-cjk");
                None
            })
            .await
            .clone()
    }

    /// Draws a one-page A4 document on the blocking pool (shaping and subsetting take
    /// a few milliseconds of CPU).
    pub async fn render(
        &self,
        draw: impl FnOnce(&mut Canvas<'_, '_>) + Send + 'static,
    ) -> AppResult<Vec<u8>> {
        let mut draw = Some(draw);
        self.render_pages(1, move |_, canvas| {
            if let Some(draw) = draw.take() {
                draw(canvas);
            }
        })
        .await
    }

    /// Draws an A4 document of `pages` pages (`draw` gets each page's index), the font
    /// subset once for all of them, on the blocking pool.
    pub async fn render_pages(
        &self,
        pages: usize,
        mut draw: impl FnMut(usize, &mut Canvas<'_, '_>) + Send + 'static,
    ) -> AppResult<Vec<u8>> {
        let (bytes, face) = self
            .bytes()
            .await
            .ok_or_else(|| AppError::conflict("服务器未安装中文字体，无法生成PDF，请上传PDF文件"))?;
        let permit = self.renders.clone().acquire_owned().await.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let font = Font::new(bytes.into(), face)
                .ok_or_else(|| AppError::internal("the PDF font could not be parsed"))?;
            let mut document = Document::new();
            for index in 0..pages {
                let mut page = document.start_page_with(
                    PageSettings::from_wh(A4_WIDTH, A4_HEIGHT)
                        .ok_or_else(|| AppError::internal("A4 page size"))?,
                );
                let mut surface = page.surface();
                draw(index, &mut Canvas { surface: &mut surface, font: font.clone() });
                surface.finish();
                page.finish();
            }
            document.finish().map_err(|e| AppError::internal(format!("PDF could not be written: {e:?}")))
        })
        .await
        .map_err(AppError::internal)?
    }
}

pub const A4_WIDTH: f32 = 595.0;
pub const A4_HEIGHT: f32 = 842.0;

/// A page to draw on, in points from the top left.
pub struct Canvas<'s, 'p> {
    surface: &'s mut Surface<'p>,
    font: Font,
}

/// Colours by name, so layouts read as words.
#[derive(Debug, Clone, Copy)]
pub enum Ink {
    Black,
    Grey,
    /// The brown-red of Chinese invoice forms.
    Form,
    /// The red of a seal.
    Seal,
    /// The gold of a certificate's border.
    Gold,
    /// A pale fill behind a table's header.
    Wash,
}

impl Ink {
    fn color(self) -> rgb::Color {
        match self {
            Self::Black => rgb::Color::new(20, 20, 20),
            Self::Grey => rgb::Color::new(110, 110, 110),
            Self::Form => rgb::Color::new(150, 60, 40),
            Self::Seal => rgb::Color::new(200, 30, 30),
            Self::Gold => rgb::Color::new(176, 138, 62),
            Self::Wash => rgb::Color::new(246, 240, 228),
        }
    }
}

impl Canvas<'_, '_> {
    /// One line of text with its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, ink: Ink, text: &str) {
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill { paint: ink.color().into(), ..Default::default() }));
        self.surface.draw_text(
            Point::from_xy(x, y),
            self.font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    /// Text centred on `x`, by an estimate of its width (CJK characters are one em,
    /// Latin letters and digits about half).
    pub fn text_centered(&mut self, x: f32, y: f32, size: f32, ink: Ink, text: &str) {
        self.text(x - estimated_width(text, size) / 2.0, y, size, ink, text);
    }

    /// Text ending at `x`.
    pub fn text_right(&mut self, x: f32, y: f32, size: f32, ink: Ink, text: &str) {
        self.text(x - estimated_width(text, size), y, size, ink, text);
    }

    pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, ink: Ink) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x, y, width, height) {
            path.push_rect(rect);
        }
        self.stroke(path, ink);
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), ink: Ink) {
        let mut path = PathBuilder::new();
        path.move_to(from.0, from.1);
        path.line_to(to.0, to.1);
        self.stroke(path, ink);
    }

    /// A rectangle outline `width` points thick.
    pub fn frame(&mut self, x: f32, y: f32, width: f32, height: f32, ink: Ink, line_width: f32) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x, y, width, height) {
            path.push_rect(rect);
        }
        self.stroke_with(path, ink, line_width);
    }

    /// A filled rectangle (a QR module, a band).
    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, ink: Ink) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x, y, width, height) {
            path.push_rect(rect);
        }
        let Some(path) = path.finish() else { return };
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill { paint: ink.color().into(), ..Default::default() }));
        self.surface.draw_path(&path);
    }

    /// A circle outline (a seal's ring), from four Bézier quarters.
    pub fn circle(&mut self, cx: f32, cy: f32, r: f32, ink: Ink, line_width: f32) {
        const K: f32 = 0.552_284_8;
        let k = K * r;
        let mut path = PathBuilder::new();
        path.move_to(cx + r, cy);
        path.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
        path.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
        path.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
        path.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
        path.close();
        self.stroke_with(path, ink, line_width);
    }

    fn stroke(&mut self, path: PathBuilder, ink: Ink) {
        self.stroke_with(path, ink, 0.8);
    }

    fn stroke_with(&mut self, path: PathBuilder, ink: Ink, width: f32) {
        let Some(path) = path.finish() else { return };
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke { paint: ink.color().into(), width, ..Default::default() }));
        self.surface.draw_path(&path);
    }
}

/// Width of `text` at `size`: one em for wide (CJK) characters, about half for the rest.
pub fn estimated_width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum::<f32>() * size
}
