//! Content checks for the files a customer uploads to the video interview:
//! ID card photos and a selfie (JPEG or PNG) and a short browser-recorded
//! video (WebM as Chromium's MediaRecorder writes it, or MP4).
//!
//! A file is judged by its bytes alone: a file name or a declared MIME type
//! is whatever the sender chose to say, so neither is an input here. Every
//! size is checked before any parsing, photos are decoded in full (so a cut
//! or corrupt photo is refused, not shown half grey to an agent), and videos
//! are walked structurally, without decoding frames, to tell their duration.
//!
//! Nothing here panics or allocates by a size the file declares: the photo
//! decoder runs under limits derived from [`MediaLimits`], and the video
//! walkers only index into the bytes they were given.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod image;
mod mp4;
mod webm;

/// What kind of file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A JPEG (JFIF/Exif) photo.
    Jpeg,
    /// A PNG photo.
    Png,
    /// A WebM (Matroska) video.
    WebM,
    /// An MP4 (ISO base media file format) video.
    Mp4,
}

impl Container {
    /// The MIME type to store and serve the file under, taken from what was
    /// found rather than what the upload declared.
    pub fn mime(self) -> &'static str {
        match self {
            Container::Jpeg => "image/jpeg",
            Container::Png => "image/png",
            Container::WebM => "video/webm",
            Container::Mp4 => "video/mp4",
        }
    }

    /// The stable short name (`jpeg`, `png`, `webm`, `mp4`), e.g. for a
    /// database column; [`Container::parse`] reads it back.
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Jpeg => "jpeg",
            Container::Png => "png",
            Container::WebM => "webm",
            Container::Mp4 => "mp4",
        }
    }

    /// The container named by its [`Container::as_str`] name, exactly;
    /// `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "jpeg" => Some(Container::Jpeg),
            "png" => Some(Container::Png),
            "webm" => Some(Container::WebM),
            "mp4" => Some(Container::Mp4),
            _ => None,
        }
    }
}

/// What an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLimits {
    /// The largest photo file, in bytes.
    pub max_image_bytes: usize,
    /// The largest video file, in bytes.
    pub max_video_bytes: usize,
    /// The shortest side a photo may have, in pixels: smaller is unreadable.
    pub min_image_side: u32,
    /// The longest side a photo may have, in pixels. It also bounds what the
    /// decoder may allocate (see [`inspect_image`]).
    pub max_image_side: u32,
    /// The shortest video, in milliseconds.
    pub min_video_millis: u64,
    /// The longest video, in milliseconds.
    pub max_video_millis: u64,
}

impl Default for MediaLimits {
    /// 5 MiB photos of 64 to 8192 pixels a side; 25 MiB videos of 1 to 60 s.
    fn default() -> Self {
        MediaLimits {
            max_image_bytes: 5 * 1024 * 1024,
            max_video_bytes: 25 * 1024 * 1024,
            min_image_side: 64,
            max_image_side: 8192,
            min_video_millis: 1_000,
            max_video_millis: 60_000,
        }
    }
}

/// What an accepted file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaInfo {
    /// The container found in the bytes.
    pub container: Container,
    /// The file's length in bytes.
    pub bytes: usize,
    /// Width in pixels: always there for a photo; for a video, that of its
    /// first video track when the file says it.
    pub width: Option<u32>,
    /// Height in pixels, as `width`.
    pub height: Option<u32>,
    /// A video's duration in milliseconds (always there for an accepted
    /// video); `None` for a photo.
    pub duration_millis: Option<u64>,
}

/// Why a file was refused. Messages are plain English for logs and agents
/// and never quote the file; [`MediaError::code`] is the stable name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The file has no bytes.
    #[error("the file is empty")]
    Empty,
    /// The file is longer than the limit for its kind.
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The bytes are not a JPEG or PNG photo.
    #[error("the file is not a JPEG or PNG image")]
    NotAnImage,
    /// The bytes are not a WebM or MP4 video with a video track.
    #[error("the file is not a WebM or MP4 video")]
    NotAVideo,
    /// The file ends before its own structure says it should: an upload cut
    /// short.
    #[error("the file is incomplete: it ends before its own structure says it should")]
    Truncated,
    /// The file starts like a photo or video but its content is corrupt or
    /// uses a feature that cannot be read.
    #[error("the file is corrupt or cannot be decoded")]
    Undecodable,
    /// A photo side is shorter than the minimum.
    #[error("the image is too small")]
    TooSmall,
    /// A photo side is longer than the maximum, or decoding it would need
    /// more memory than a photo of the largest size.
    #[error("the image's dimensions are too large")]
    TooBig,
    /// The video is shorter than the minimum.
    #[error("the video is too short")]
    TooShort,
    /// The video is longer than the maximum.
    #[error("the video is too long")]
    TooLong,
    /// The video's duration cannot be told from the file.
    #[error("the video's duration cannot be determined")]
    NoDuration,
}

impl MediaError {
    /// The stable snake_case code, for the wire and for metrics.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Empty => "empty",
            MediaError::TooLarge { .. } => "too_large",
            MediaError::NotAnImage => "not_an_image",
            MediaError::NotAVideo => "not_a_video",
            MediaError::Truncated => "truncated",
            MediaError::Undecodable => "undecodable",
            MediaError::TooSmall => "too_small",
            MediaError::TooBig => "too_big",
            MediaError::TooShort => "too_short",
            MediaError::TooLong => "too_long",
            MediaError::NoDuration => "no_duration",
        }
    }
}

/// Checks a photo (ID card side or selfie): JPEG or PNG by its bytes, at
/// most `max_image_bytes`, each side within `min_image_side..=max_image_side`,
/// and decodable in full.
///
/// The decoder may allocate no more than an 8-bit RGBA image of
/// `max_image_side` × `max_image_side` needs (and never over 512 MiB), so a
/// small file declaring huge dimensions is refused ([`MediaError::TooBig`])
/// before any pixel buffer is made; a 16-bit PNG near the largest side is
/// refused the same way.
pub fn inspect_image(bytes: &[u8], limits: &MediaLimits) -> Result<MediaInfo, MediaError> {
    check_size(bytes, limits.max_image_bytes)?;
    self::image::inspect(bytes, limits)
}

/// Checks a video: WebM or MP4 by its bytes, at most `max_video_bytes`, with
/// a video track, complete as far as its structure tells, and lasting
/// `min_video_millis..=max_video_millis`.
///
/// A WebM is timed by its Duration element or its last block's timestamp,
/// whichever is later; MediaRecorder writes no Duration, so its files read
/// one frame shorter than they play. An MP4 is timed by its movie header
/// (`mvhd`), or `mehd` when fragmented.
pub fn inspect_video(bytes: &[u8], limits: &MediaLimits) -> Result<MediaInfo, MediaError> {
    check_size(bytes, limits.max_video_bytes)?;
    let info = if webm::sniff(bytes) {
        webm::inspect(bytes)?
    } else if mp4::sniff(bytes) {
        mp4::inspect(bytes)?
    } else {
        return Err(MediaError::NotAVideo);
    };
    let millis = info.duration_millis.ok_or(MediaError::NoDuration)?;
    if millis < limits.min_video_millis {
        return Err(MediaError::TooShort);
    }
    if millis > limits.max_video_millis {
        return Err(MediaError::TooLong);
    }
    Ok(info)
}

/// The container a file's first bytes announce, without checking the rest:
/// for labelling bytes that were checked when they were taken (the content
/// type of an upload served back to its reviewer).
pub fn sniff(bytes: &[u8]) -> Option<Container> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Container::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Container::Png)
    } else if webm::sniff(bytes) {
        Some(Container::WebM)
    } else if mp4::sniff(bytes) {
        Some(Container::Mp4)
    } else {
        None
    }
}

/// Before any parsing, so an oversized upload costs nothing more.
fn check_size(bytes: &[u8], limit: usize) -> Result<(), MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > limit {
        return Err(MediaError::TooLarge { limit });
    }
    Ok(())
}
