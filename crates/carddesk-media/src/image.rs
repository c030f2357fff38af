//! Photos: JPEG and PNG, recognised by their signatures, walked for
//! completeness, then decoded in full by the `image` crate under limits.

use std::io::{self, Cursor};

use ::image::error::{ImageError, LimitErrorKind};
use ::image::{ImageFormat, ImageReader, Limits};

use crate::{Container, MediaError, MediaInfo, MediaLimits};

const JPEG_SOI: [u8; 3] = [0xFF, 0xD8, 0xFF];
/// The most any one photo's decoding may allocate, whatever the limits.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

pub(crate) fn inspect(bytes: &[u8], limits: &MediaLimits) -> Result<MediaInfo, MediaError> {
    let (container, format) = if bytes.starts_with(&JPEG_SOI) {
        (Container::Jpeg, ImageFormat::Jpeg)
    } else if bytes.starts_with(&PNG_SIGNATURE) {
        (Container::Png, ImageFormat::Png)
    } else {
        return Err(MediaError::NotAnImage);
    };
    // The walk comes first: it is cheap, and it tells a cut upload
    // (Truncated) from a corrupt one, which the decoders do not always do.
    match container {
        Container::Jpeg => check_jpeg(bytes)?,
        _ => check_png(bytes)?,
    }

    // Header only: no pixel buffer yet, so huge declared dimensions cost
    // nothing and are refused here (the limits refuse them too).
    let (width, height) = reader(bytes, format, limits)
        .into_dimensions()
        .map_err(decode_error)?;
    let side = width.min(height);
    if width > limits.max_image_side || height > limits.max_image_side {
        return Err(MediaError::TooBig);
    }
    if side < limits.min_image_side {
        return Err(MediaError::TooSmall);
    }
    // The full decode is what proves the pixels are there: a file can have
    // a sound structure and corrupt compressed data.
    reader(bytes, format, limits)
        .decode()
        .map_err(decode_error)?;
    Ok(MediaInfo {
        container,
        bytes: bytes.len(),
        width: Some(width),
        height: Some(height),
        duration_millis: None,
    })
}

fn reader<'a>(
    bytes: &'a [u8],
    format: ImageFormat,
    limits: &MediaLimits,
) -> ImageReader<Cursor<&'a [u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let side = u64::from(limits.max_image_side);
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_image_side);
    decoder_limits.max_image_height = Some(limits.max_image_side);
    // What an 8-bit RGBA photo of the largest allowed size needs (256 MiB
    // by default), never more than `image`'s own default: the decoder
    // refuses before allocating when a file would need more.
    let rgba = side.saturating_mul(side).saturating_mul(4);
    decoder_limits.max_alloc = Some(rgba.min(MAX_DECODE_BYTES));
    reader.limits(decoder_limits);
    reader
}

fn decode_error(error: ImageError) -> MediaError {
    match error {
        ImageError::Limits(limit) => match limit.kind() {
            LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => {
                MediaError::TooBig
            }
            _ => MediaError::Undecodable,
        },
        ImageError::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated
        }
        _ => MediaError::Undecodable,
    }
}

/// Walks the JPEG's markers to its end-of-image marker. The JPEG decoder
/// (zune-jpeg) pads a cut entropy-coded segment with grey and reports
/// success, even for half a file, so the structure is what tells a photo
/// cut in transit. Bytes after the EOI
/// marker are allowed: some cameras append data there.
fn check_jpeg(bytes: &[u8]) -> Result<(), MediaError> {
    let mut pos = 2; // past SOI
    loop {
        if bytes.get(pos) != Some(&0xFF) {
            return Err(if pos >= bytes.len() {
                MediaError::Truncated
            } else {
                MediaError::Undecodable
            });
        }
        // A marker may be preceded by any number of 0xFF fill bytes.
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos).ok_or(MediaError::Truncated)?;
        pos += 1;
        match marker {
            0xD9 => return Ok(()),
            // Markers without a length: TEM and the restart markers.
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 => return Err(MediaError::Undecodable),
            _ => {}
        }
        let length = match bytes.get(pos..pos + 2) {
            Some(&[high, low]) => usize::from(u16::from_be_bytes([high, low])),
            _ => return Err(MediaError::Truncated),
        };
        if length < 2 {
            return Err(MediaError::Undecodable);
        }
        pos += length;
        if pos > bytes.len() {
            return Err(MediaError::Truncated);
        }
        if marker == 0xDA {
            pos = skip_entropy_coded(bytes, pos)?;
        }
    }
}

/// After a start-of-scan header: the compressed data runs to the next
/// marker that is neither a stuffed 0xFF00 nor a restart marker.
fn skip_entropy_coded(bytes: &[u8], mut pos: usize) -> Result<usize, MediaError> {
    loop {
        let offset = bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
            .ok_or(MediaError::Truncated)?;
        pos += offset;
        match bytes.get(pos + 1) {
            None => return Err(MediaError::Truncated),
            Some(0x00 | 0xD0..=0xD7 | 0xFF) => pos += 1,
            Some(_) => return Ok(pos),
        }
    }
}

/// Walks the PNG's chunks to IEND, so that a cut file is told from a
/// corrupt one before the decoder runs, whichever error the decoder would
/// report, and without inflating anything.
fn check_png(bytes: &[u8]) -> Result<(), MediaError> {
    let mut pos = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let header = bytes.get(pos..pos + 8).ok_or(MediaError::Truncated)?;
        let (length, kind) = header.split_at(4);
        let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]);
        // The PNG specification caps a chunk at 2^31 - 1 bytes.
        if length > 0x7FFF_FFFF {
            return Err(MediaError::Undecodable);
        }
        if first && kind != b"IHDR" {
            return Err(MediaError::Undecodable);
        }
        first = false;
        let end = usize::try_from(length)
            .ok()
            .and_then(|length| pos.checked_add(12)?.checked_add(length))
            .ok_or(MediaError::Truncated)?;
        if end > bytes.len() {
            return Err(MediaError::Truncated);
        }
        if kind == b"IEND" {
            return Ok(());
        }
        pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_walk_needs_its_end_marker() {
        // SOI, a 4-byte APP0, SOS with a 2-byte header, data, EOI.
        let whole = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF,
            0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9,
        ];
        assert_eq!(check_jpeg(&whole), Ok(()));
        for cut in 3..whole.len() {
            assert_eq!(
                check_jpeg(&whole[..cut]),
                Err(MediaError::Truncated),
                "{cut}"
            );
        }
    }

    #[test]
    fn a_png_walk_needs_iend_and_an_ihdr_first() {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(&[0, 0, 0, 0]);
        png.extend_from_slice(b"IEND");
        png.extend_from_slice(&[0; 4]);
        assert_eq!(check_png(&png), Err(MediaError::Undecodable));
        png[12..16].copy_from_slice(b"IHDR");
        assert_eq!(check_png(&png), Err(MediaError::Truncated));
    }
}
