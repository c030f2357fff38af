//! What the test files share: the fixtures and byte surgery on them.

// Each test file uses a part of this.
#![allow(dead_code)]

use carddesk_media::MediaLimits;

/// Every fixture, for the loops that only care that nothing panics.
pub const ALL_FIXTURES: [&str; 9] = [
    "image_64.jpg",
    "image_64.png",
    "not_an_image.jpg",
    "video_2s_vp8.webm",
    "video_2s_vp9_live.webm",
    "video_2s_mediarecorder.webm",
    "video_70s_mediarecorder.webm",
    "video_2s_h264.mp4",
    "video_0_3s_h264.mp4",
];

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{needle:02x?} not in the fixture"))
}

/// Limits that let every fixture's duration through, to read it.
pub fn any_duration() -> MediaLimits {
    MediaLimits {
        min_video_millis: 0,
        max_video_millis: u64::MAX,
        ..MediaLimits::default()
    }
}

/// CRC-32 (ISO-HDLC, as PNG uses), so a test can rewrite a chunk.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
