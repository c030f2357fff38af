//! WebM (Matroska over EBML), as Chromium's MediaRecorder writes it: the
//! Segment and every Cluster of *unknown size*, no Duration, no Cues. The
//! length is then the last Cluster's Timestamp plus the largest relative
//! timecode of its blocks, scaled by TimestampScale. Hand-written: the
//! Matroska crates demux frames, and matroska-demuxer (for one) runs an
//! unknown-size element to the end of the stream, so a MediaRecorder
//! file's first Cluster would swallow the rest. This walker allocates
//! nothing and nests at most four levels (Segment, Tracks, TrackEntry,
//! Video) by plain calls, never by recursion on what the file says.

use crate::{Container, MediaError, MediaInfo};

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const CLUSTER: u32 = 0x1F43_B675;
const CLUSTER_TIMESTAMP: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const BLOCK_DURATION: u32 = 0x9B;
const VOID: u32 = 0xEC;
/// Position, PrevSize, EncryptedBlock, SilentTracks, Void and CRC-32: the
/// other elements a Cluster may hold. An unknown-size Cluster ends at the
/// first element that is none of its children.
const OTHER_CLUSTER_CHILDREN: [u32; 6] = [0xA7, 0xAB, 0xAF, 0x5854, VOID, 0xBF];
/// Matroska's TrackType for video.
const TRACK_TYPE_VIDEO: u64 = 1;
/// TimestampScale's default: timestamps in milliseconds.
const DEFAULT_SCALE_NANOS: u64 = 1_000_000;

pub(crate) fn sniff(bytes: &[u8]) -> bool {
    bytes.starts_with(&EBML.to_be_bytes())
}

/// An element's header: its ID, where its body starts, and its size
/// (`None`: unknown, written by a streaming muxer).
struct Element {
    id: u32,
    data: usize,
    size: Option<u64>,
}

/// What the walk found.
#[derive(Default)]
struct Found {
    scale: Option<u64>,
    duration: Option<f64>,
    video: Option<(Option<u32>, Option<u32>)>,
    any_block: bool,
    /// A block came before its Cluster's Timestamp: it cannot be timed.
    untimed_block: bool,
    /// The latest block end seen, in TimestampScale units.
    latest: Option<u128>,
}

pub(crate) fn inspect(bytes: &[u8]) -> Result<MediaInfo, MediaError> {
    let len = bytes.len();
    let head = header(bytes, 0, len)?;
    let head_end = known_end(bytes, &head, len)?;
    let mut doc_type = None;
    children(bytes, head.data, head_end, |el, end| {
        if el.id == DOC_TYPE {
            doc_type = bytes.get(el.data..end);
        }
        Ok(())
    })?;
    // EBML strings may be padded with NULs. A Matroska file that is not
    // WebM may hold codecs a browser cannot play: not what we accept.
    let doc_type = doc_type.map(|d| d.split(|&b| b == 0).next().unwrap_or_default());
    if doc_type != Some(b"webm") {
        return Err(MediaError::NotAVideo);
    }

    let mut pos = head_end;
    let segment = loop {
        if pos >= len {
            return Err(MediaError::Truncated);
        }
        let el = header(bytes, pos, len)?;
        match el.id {
            SEGMENT => break el,
            VOID => pos = known_end(bytes, &el, len)?,
            _ => return Err(MediaError::Undecodable),
        }
    };
    let segment_end = match segment.size {
        Some(_) => known_end(bytes, &segment, len)?,
        None => len,
    };

    let mut found = Found::default();
    let mut pos = segment.data;
    while pos < segment_end {
        let el = header(bytes, pos, segment_end)?;
        pos = match el.id {
            CLUSTER => cluster(bytes, &el, segment_end, &mut found)?,
            INFO => {
                let end = known_end(bytes, &el, segment_end)?;
                info(bytes, el.data, end, &mut found)?;
                end
            }
            TRACKS => {
                let end = known_end(bytes, &el, segment_end)?;
                tracks(bytes, el.data, end, &mut found)?;
                end
            }
            // An unknown-size Segment ends where another EBML document
            // (a chained file) begins; what follows is not this video.
            EBML | SEGMENT if segment.size.is_none() => break,
            // SeekHead, Cues, Tags, Void and anything newer: skipped.
            _ => known_end(bytes, &el, segment_end)?,
        };
    }
    finish(found, len)
}

fn finish(found: Found, len: usize) -> Result<MediaInfo, MediaError> {
    // Headers without a single frame: the upload stopped before the media.
    if !found.any_block {
        return Err(MediaError::Truncated);
    }
    let (width, height) = found.video.ok_or(MediaError::NotAVideo)?;
    let scale = found.scale.unwrap_or(DEFAULT_SCALE_NANOS);
    // `as` saturates: an absurd Duration reads as too long, not a panic.
    let declared = found
        .duration
        .filter(|d| d.is_finite() && *d > 0.0)
        .map(|units| (units * scale as f64 / 1e6).round() as u64);
    let framed = found
        .latest
        .filter(|_| !found.untimed_block)
        .map(|units| units.saturating_mul(u128::from(scale)) / 1_000_000)
        .map(|millis| u64::try_from(millis).unwrap_or(u64::MAX));
    // The Duration element when there is one; but frames later than it say
    // the video is longer, and a Duration shorter than the frames must not
    // let a long recording through.
    let millis = match (declared, framed) {
        (Some(declared), Some(framed)) => declared.max(framed),
        (Some(millis), None) | (None, Some(millis)) => millis,
        (None, None) => return Err(MediaError::NoDuration),
    };
    Ok(MediaInfo {
        container: Container::WebM,
        bytes: len,
        width,
        height,
        duration_millis: Some(millis),
    })
}

/// Walks one Cluster and returns where the next element starts. A known
/// size is its end; an unknown-size Cluster runs to the first element that
/// cannot be its child (the next Cluster, Cues, Tags) or to the end.
fn cluster(
    bytes: &[u8],
    el: &Element,
    parent_end: usize,
    found: &mut Found,
) -> Result<usize, MediaError> {
    let (end, open) = match el.size {
        Some(_) => (known_end(bytes, el, parent_end)?, false),
        None => (parent_end, true),
    };
    let mut timestamp = None;
    let mut pos = el.data;
    while pos < end {
        let child = header(bytes, pos, end)?;
        let is_child = matches!(child.id, CLUSTER_TIMESTAMP | SIMPLE_BLOCK | BLOCK_GROUP)
            || OTHER_CLUSTER_CHILDREN.contains(&child.id);
        if open && !is_child {
            return Ok(pos);
        }
        let child_end = known_end(bytes, &child, end)?;
        let body = bytes.get(child.data..child_end).unwrap_or_default();
        match child.id {
            CLUSTER_TIMESTAMP => timestamp = Some(uint(body)?),
            SIMPLE_BLOCK => found.block(timestamp, relative_timecode(body)?, 0),
            BLOCK_GROUP => {
                let mut relative = None;
                let mut duration = 0;
                children(bytes, child.data, child_end, |el, el_end| {
                    let body = bytes.get(el.data..el_end).unwrap_or_default();
                    match el.id {
                        BLOCK => relative = Some(relative_timecode(body)?),
                        BLOCK_DURATION => duration = uint(body)?,
                        _ => {}
                    }
                    Ok(())
                })?;
                if let Some(relative) = relative {
                    found.block(timestamp, relative, duration);
                }
            }
            _ => {}
        }
        pos = child_end;
    }
    Ok(end)
}

impl Found {
    fn block(&mut self, cluster: Option<u64>, relative: i16, duration: u64) {
        self.any_block = true;
        let Some(cluster) = cluster else {
            self.untimed_block = true;
            return;
        };
        // A block may start before its Cluster (negative relative
        // timecode); it is never earlier than the start of the file.
        let start = (i128::from(cluster) + i128::from(relative)).max(0);
        let end = u128::try_from(start)
            .unwrap_or_default()
            .saturating_add(u128::from(duration));
        self.latest = Some(self.latest.map_or(end, |latest| latest.max(end)));
    }
}

/// A (Simple)Block starts with its track number (an EBML variable-length
/// integer) and its timecode relative to the Cluster, a signed 16 bits.
fn relative_timecode(body: &[u8]) -> Result<i16, MediaError> {
    let first = *body.first().ok_or(MediaError::Undecodable)?;
    let track_len = usize::try_from(first.leading_zeros() + 1).unwrap_or(usize::MAX);
    match body.get(track_len..track_len.saturating_add(2)) {
        Some(&[high, low]) if track_len <= 8 => Ok(i16::from_be_bytes([high, low])),
        _ => Err(MediaError::Undecodable),
    }
}

fn info(bytes: &[u8], start: usize, end: usize, found: &mut Found) -> Result<(), MediaError> {
    children(bytes, start, end, |el, el_end| {
        let body = bytes.get(el.data..el_end).unwrap_or_default();
        match el.id {
            TIMESTAMP_SCALE => {
                // Zero would make every timestamp zero: not a valid file.
                let scale = uint(body)?;
                if scale == 0 {
                    return Err(MediaError::Undecodable);
                }
                found.scale = Some(scale);
            }
            DURATION => found.duration = Some(float(body)?),
            _ => {}
        }
        Ok(())
    })
}

/// The first track that is video (by TrackType, or by having a Video
/// element), with its pixel size when given.
fn tracks(bytes: &[u8], start: usize, end: usize, found: &mut Found) -> Result<(), MediaError> {
    children(bytes, start, end, |entry, entry_end| {
        if entry.id != TRACK_ENTRY {
            return Ok(());
        }
        let mut is_video = false;
        let (mut width, mut height) = (None, None);
        children(bytes, entry.data, entry_end, |el, el_end| {
            let body = bytes.get(el.data..el_end).unwrap_or_default();
            match el.id {
                TRACK_TYPE => is_video |= uint(body)? == TRACK_TYPE_VIDEO,
                VIDEO => {
                    is_video = true;
                    children(bytes, el.data, el_end, |px, px_end| {
                        let body = bytes.get(px.data..px_end).unwrap_or_default();
                        let pixels = || -> Result<Option<u32>, MediaError> {
                            Ok(u32::try_from(uint(body)?).ok().filter(|&p| p != 0))
                        };
                        match px.id {
                            PIXEL_WIDTH => width = pixels()?,
                            PIXEL_HEIGHT => height = pixels()?,
                            _ => {}
                        }
                        Ok(())
                    })?;
                }
                _ => {}
            }
            Ok(())
        })?;
        if is_video && found.video.is_none() {
            found.video = Some((width, height));
        }
        Ok(())
    })
}

/// Calls `visit` with each child of a known-size element whose body is
/// `start..end`, and that child's end.
fn children(
    bytes: &[u8],
    start: usize,
    end: usize,
    mut visit: impl FnMut(&Element, usize) -> Result<(), MediaError>,
) -> Result<(), MediaError> {
    let mut pos = start;
    while pos < end {
        let el = header(bytes, pos, end)?;
        let el_end = known_end(bytes, &el, end)?;
        visit(&el, el_end)?;
        pos = el_end;
    }
    Ok(())
}

/// Reads the element header at `pos`, inside a parent ending at `end`.
fn header(bytes: &[u8], pos: usize, end: usize) -> Result<Element, MediaError> {
    let (id, id_len, _) = vint(bytes, pos, end, true)?;
    let size_at = pos + id_len;
    let (size, size_len, unknown) = vint(bytes, size_at, end, false)?;
    Ok(Element {
        id: u32::try_from(id).map_err(|_| MediaError::Undecodable)?,
        data: size_at + size_len,
        size: (!unknown).then_some(size),
    })
}

/// An EBML variable-length integer: the count of leading zero bits in the
/// first byte gives the length. An ID keeps its marker bit and is at most
/// four bytes; a size loses it, and all ones means unknown.
fn vint(
    bytes: &[u8],
    pos: usize,
    end: usize,
    is_id: bool,
) -> Result<(u64, usize, bool), MediaError> {
    let first = *bytes
        .get(pos)
        .filter(|_| pos < end)
        .ok_or_else(|| overrun(bytes, end))?;
    let len = usize::try_from(first.leading_zeros() + 1).unwrap_or(usize::MAX);
    if len > if is_id { 4 } else { 8 } {
        return Err(MediaError::Undecodable);
    }
    let all = bytes
        .get(pos..pos + len)
        .filter(|_| pos + len <= end)
        .ok_or_else(|| overrun(bytes, end))?;
    let marker = 0x80u8 >> (len - 1);
    let head = if is_id { first } else { first & !marker };
    let mut value = u64::from(head);
    let mut unknown = head == marker - 1;
    for &byte in &all[1..] {
        value = (value << 8) | u64::from(byte);
        unknown &= byte == 0xFF;
    }
    Ok((value, len, unknown && !is_id))
}

/// Where a known-size element ends. An element whose size runs past the
/// end of the file was cut; one that only runs past its parent is corrupt.
fn known_end(bytes: &[u8], el: &Element, parent_end: usize) -> Result<usize, MediaError> {
    let size = el.size.ok_or(MediaError::Undecodable)?;
    let end = usize::try_from(size)
        .ok()
        .and_then(|size| el.data.checked_add(size))
        .unwrap_or(usize::MAX);
    if end > bytes.len() {
        Err(MediaError::Truncated)
    } else if end > parent_end {
        Err(MediaError::Undecodable)
    } else {
        Ok(end)
    }
}

fn overrun(bytes: &[u8], end: usize) -> MediaError {
    if end >= bytes.len() {
        MediaError::Truncated
    } else {
        MediaError::Undecodable
    }
}

fn uint(body: &[u8]) -> Result<u64, MediaError> {
    if body.len() > 8 {
        return Err(MediaError::Undecodable);
    }
    Ok(body.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b)))
}

fn float(body: &[u8]) -> Result<f64, MediaError> {
    match *body {
        [] => Ok(0.0),
        [a, b, c, d] => Ok(f64::from(f32::from_be_bytes([a, b, c, d]))),
        [a, b, c, d, e, f, g, h] => Ok(f64::from_be_bytes([a, b, c, d, e, f, g, h])),
        _ => Err(MediaError::Undecodable),
    }
}
