//! MP4 (ISO/IEC 14496-12 base media file format): `ftyp` first, every
//! top-level box inside the file, and from `moov` the movie's duration
//! (`mvhd`, or `mvex/mehd` for a fragmented file) and its video track.
//!
//! Hand-written rather than a crate: the checks need four boxes, and the
//! MP4 crates parse every sample table, allocating by the entry counts the
//! file declares. Here nothing is allocated and boxes are nested at most
//! four deep (`moov/trak/mdia/hdlr`) by plain function calls.

use crate::{Container, MediaError, MediaInfo};

pub(crate) fn sniff(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"ftyp")
}

/// A track's display width and height in pixels, when the file says them.
type Size = (Option<u32>, Option<u32>);

/// One box: its four-character type and its body (the bytes after its
/// header).
struct Mp4Box<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

/// The boxes laid end to end in `data`. `overrun` is what a box running
/// past the end means: at the top level the file was cut (Truncated);
/// inside a box that fits the file, the box is corrupt (Undecodable).
struct Boxes<'a> {
    data: &'a [u8],
    pos: usize,
    overrun: MediaError,
}

impl<'a> Boxes<'a> {
    fn new(data: &'a [u8], overrun: MediaError) -> Self {
        Boxes {
            data,
            pos: 0,
            overrun,
        }
    }

    fn next_box(&mut self) -> Result<Option<Mp4Box<'a>>, MediaError> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            return Ok(None);
        }
        let header = rest.get(..8).ok_or_else(|| self.overrun.clone())?;
        let size32 = be_u32(header, 0).ok_or(MediaError::Undecodable)?;
        let kind = [header[4], header[5], header[6], header[7]];
        let (header_len, size) = match size32 {
            // "To the end of the file": only the last box may say so.
            0 => (8, rest.len()),
            1 => {
                let large = rest
                    .get(8..16)
                    .and_then(|b| be_u64(b, 0))
                    .ok_or_else(|| self.overrun.clone())?;
                // Larger than usize cannot fit in memory, so runs past the end.
                (16, usize::try_from(large).unwrap_or(usize::MAX))
            }
            n => (8, usize::try_from(n).unwrap_or(usize::MAX)),
        };
        if size < header_len {
            return Err(MediaError::Undecodable);
        }
        let body = rest
            .get(header_len..size)
            .ok_or_else(|| self.overrun.clone())?;
        self.pos += size;
        Ok(Some(Mp4Box { kind, body }))
    }

    /// The first box of `kind`, if any, checking every box before it.
    fn find(&mut self, kind: &[u8; 4]) -> Result<Option<&'a [u8]>, MediaError> {
        while let Some(found) = self.next_box()? {
            if &found.kind == kind {
                return Ok(Some(found.body));
            }
        }
        Ok(None)
    }
}

pub(crate) fn inspect(bytes: &[u8]) -> Result<MediaInfo, MediaError> {
    let mut top = Boxes::new(bytes, MediaError::Truncated);
    match top.next_box()? {
        Some(first) if &first.kind == b"ftyp" => {}
        _ => return Err(MediaError::NotAVideo),
    }
    // Every top-level box is walked, not only up to `moov`: a file whose
    // `moov` comes first (fast start) and whose `mdat` is cut is still cut.
    let mut moov = None;
    while let Some(found) = top.next_box()? {
        if &found.kind == b"moov" && moov.is_none() {
            moov = Some(found.body);
        }
    }
    // Writers put `moov` last unless told otherwise, so a file without one
    // is most likely an upload cut before its end.
    let moov = moov.ok_or(MediaError::Truncated)?;

    let mut duration = None;
    let mut fragment_duration = None;
    let mut timescale = None;
    let mut video = None;
    let mut children = Boxes::new(moov, MediaError::Undecodable);
    while let Some(child) = children.next_box()? {
        match &child.kind {
            b"mvhd" if timescale.is_none() => {
                let (scale, length) = movie_header(child.body)?;
                timescale = Some(scale);
                duration = length;
            }
            b"mvex" => {
                if let Some(mehd) = Boxes::new(child.body, MediaError::Undecodable).find(b"mehd")? {
                    fragment_duration = fragment_header(mehd)?;
                }
            }
            b"trak" if video.is_none() => video = video_track(child.body)?,
            _ => {}
        }
    }
    let timescale = timescale.ok_or(MediaError::Undecodable)?;
    let (width, height) = video.ok_or(MediaError::NotAVideo)?;
    // A fragmented file's `mvhd` says 0: its length is in `mehd` when the
    // writer knew it, and otherwise only in the fragments, which we do not
    // add up.
    let units = duration
        .or(fragment_duration)
        .ok_or(MediaError::NoDuration)?;
    if timescale == 0 {
        return Err(MediaError::NoDuration);
    }
    let millis = u128::from(units) * 1000 / u128::from(timescale);
    Ok(MediaInfo {
        container: Container::Mp4,
        bytes: bytes.len(),
        width,
        height,
        duration_millis: Some(u64::try_from(millis).unwrap_or(u64::MAX)),
    })
}

/// `mvhd`: the timescale (units a second) and the duration in those units;
/// a duration of 0 or all ones means unknown.
fn movie_header(body: &[u8]) -> Result<(u32, Option<u64>), MediaError> {
    let (scale, duration) = match body.first() {
        Some(0) => (
            be_u32(body, 12),
            be_u32(body, 16).map(unknown_if_all_ones_32),
        ),
        Some(1) => (be_u32(body, 20), be_u64(body, 24)),
        _ => return Err(MediaError::Undecodable),
    };
    let scale = scale.ok_or(MediaError::Undecodable)?;
    let duration = duration.ok_or(MediaError::Undecodable)?;
    Ok((scale, Some(duration).filter(|&d| d != 0 && d != u64::MAX)))
}

fn unknown_if_all_ones_32(duration: u32) -> u64 {
    if duration == u32::MAX {
        u64::MAX
    } else {
        u64::from(duration)
    }
}

/// `mehd`: a fragmented movie's whole duration in the `mvhd` timescale.
fn fragment_header(body: &[u8]) -> Result<Option<u64>, MediaError> {
    let duration = match body.first() {
        Some(0) => be_u32(body, 4).map(u64::from),
        Some(1) => be_u64(body, 4),
        _ => return Err(MediaError::Undecodable),
    };
    let duration = duration.ok_or(MediaError::Undecodable)?;
    Ok(Some(duration).filter(|&d| d != 0))
}

/// A `trak` whose media handler is `vide`: its display size from `tkhd`
/// (16.16 fixed point; 0 when the writer left it out). `None` for a track
/// of another kind (sound, hints, a still image's item).
fn video_track(trak: &[u8]) -> Result<Option<Size>, MediaError> {
    let mut size = (None, None);
    let mut is_video = false;
    let mut children = Boxes::new(trak, MediaError::Undecodable);
    while let Some(child) = children.next_box()? {
        match &child.kind {
            b"tkhd" => size = track_size(child.body)?,
            b"mdia" => {
                let mut mdia = Boxes::new(child.body, MediaError::Undecodable);
                if let Some(hdlr) = mdia.find(b"hdlr")? {
                    // Full-box header (4), pre_defined (4), handler type.
                    is_video = hdlr.get(8..12) == Some(b"vide");
                }
            }
            _ => {}
        }
    }
    Ok(is_video.then_some(size))
}

fn track_size(body: &[u8]) -> Result<Size, MediaError> {
    // Width and height follow the version-dependent times, the reserved
    // words, layer, group, volume and the 36-byte matrix.
    let at = match body.first() {
        Some(0) => 76,
        Some(1) => 88,
        _ => return Err(MediaError::Undecodable),
    };
    let width = be_u32(body, at).ok_or(MediaError::Undecodable)?;
    let height = be_u32(body, at + 4).ok_or(MediaError::Undecodable)?;
    let pixels = |fixed: u32| Some(fixed >> 16).filter(|&p| p != 0);
    Ok((pixels(width), pixels(height)))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    let mut array = [0; 8];
    array.copy_from_slice(b);
    Some(u64::from_be_bytes(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(body.len() + 8)
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn minimal(mvhd: &[u8]) -> Vec<u8> {
        let mut hdlr = vec![0; 8];
        hdlr.extend_from_slice(b"vide");
        hdlr.extend_from_slice(&[0; 13]);
        let mut tkhd = vec![0; 76];
        tkhd.extend_from_slice(&(320u32 << 16).to_be_bytes());
        tkhd.extend_from_slice(&(240u32 << 16).to_be_bytes());
        let mut trak = mp4_box(b"tkhd", &tkhd);
        trak.extend(mp4_box(b"mdia", &mp4_box(b"hdlr", &hdlr)));
        let mut moov = mp4_box(b"mvhd", mvhd);
        moov.extend(mp4_box(b"trak", &trak));
        let mut file = mp4_box(b"ftyp", b"isom\0\0\0\0isom");
        file.extend(mp4_box(b"moov", &moov));
        file
    }

    #[test]
    fn a_version_1_movie_header_is_read() {
        let mut mvhd = vec![1, 0, 0, 0];
        mvhd.extend_from_slice(&[0; 16]); // creation and modification times
        mvhd.extend_from_slice(&90_000u32.to_be_bytes());
        mvhd.extend_from_slice(&(90_000u64 * 5 / 2).to_be_bytes());
        mvhd.extend_from_slice(&[0; 80]);
        let info = inspect(&minimal(&mvhd)).expect("a valid file");
        assert_eq!(info.duration_millis, Some(2_500));
        assert_eq!((info.width, info.height), (Some(320), Some(240)));
    }

    #[test]
    fn an_unknown_duration_or_timescale_is_no_duration() {
        let mut mvhd = vec![0; 12];
        mvhd.extend_from_slice(&1000u32.to_be_bytes());
        mvhd.extend_from_slice(&u32::MAX.to_be_bytes());
        mvhd.extend_from_slice(&[0; 80]);
        assert_eq!(inspect(&minimal(&mvhd)), Err(MediaError::NoDuration));
        mvhd[12..20].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0x03, 0xE8]);
        assert_eq!(inspect(&minimal(&mvhd)), Err(MediaError::NoDuration));
    }

    #[test]
    fn a_64_bit_box_size_past_the_end_is_truncated() {
        let mut file = mp4_box(b"ftyp", b"isom\0\0\0\0");
        file.extend_from_slice(&[0, 0, 0, 1]);
        file.extend_from_slice(b"mdat");
        file.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(inspect(&file), Err(MediaError::Truncated));
    }
}
