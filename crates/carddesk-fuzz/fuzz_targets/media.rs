//! Uploaded photos and videos, from any bytes: never a panic, and what is
//! accepted keeps to the limits it was checked against.
#![no_main]

use carddesk_media::{MediaLimits, inspect_image, inspect_video};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // Small limits, so the fuzzer's inputs can reach every branch.
    let limits = MediaLimits {
        max_image_bytes: 64 * 1024,
        max_video_bytes: 64 * 1024,
        min_image_side: 1,
        max_image_side: 512,
        min_video_millis: 1,
        max_video_millis: 60_000,
    };
    if let Ok(info) = inspect_image(bytes, &limits) {
        assert_eq!(info.bytes, bytes.len());
        let (w, h) = (info.width.unwrap_or(0), info.height.unwrap_or(0));
        assert!((1..=512).contains(&w) && (1..=512).contains(&h), "{w}x{h}");
    }
    if let Ok(info) = inspect_video(bytes, &limits) {
        let millis = info.duration_millis.expect("an accepted video has a length");
        assert!((1..=60_000).contains(&millis), "{millis} ms");
    }
});
