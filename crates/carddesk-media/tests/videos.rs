//! Videos: the fixtures accepted and timed, and each refusal.

mod common;

use carddesk_media::{Container, MediaError, MediaInfo, MediaLimits, inspect_video};
use common::{any_duration, find, fixture};

fn inspect(bytes: &[u8]) -> Result<MediaInfo, MediaError> {
    inspect_video(bytes, &MediaLimits::default())
}

/// ffmpeg's length of each fixture; see tests/fixtures/README.md.
const TWO_SECOND_FIXTURES: [(&str, Container); 4] = [
    ("video_2s_vp8.webm", Container::WebM),
    ("video_2s_vp9_live.webm", Container::WebM),
    ("video_2s_mediarecorder.webm", Container::WebM),
    ("video_2s_h264.mp4", Container::Mp4),
];

fn assert_about(name: &str, millis: Option<u64>, expected: u64) {
    let millis = millis.unwrap_or_else(|| panic!("{name}: no duration"));
    assert!(
        millis.abs_diff(expected) <= 150,
        "{name}: {millis} ms, expected {expected} ± 150"
    );
}

#[test]
fn the_two_second_fixtures_are_accepted_and_timed() {
    for (name, container) in TWO_SECOND_FIXTURES {
        let bytes = fixture(name);
        let info = inspect(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.container, container, "{name}");
        assert_eq!(info.bytes, bytes.len(), "{name}");
        assert_eq!((info.width, info.height), (Some(64), Some(64)), "{name}");
        assert_about(name, info.duration_millis, 2_000);
    }
}

#[test]
fn the_mediarecorder_fixture_has_what_chromium_writes() {
    let bytes = fixture("video_2s_mediarecorder.webm");
    // Segment and Clusters of unknown size, and no Duration element.
    assert_eq!(find(&bytes, &[0x18, 0x53, 0x80, 0x67, 0x01, 0xFF]), 36);
    let unknown_cluster = [
        0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    let clusters = bytes.windows(12).filter(|w| *w == unknown_cluster).count();
    assert!(clusters >= 2, "{clusters} unknown-size clusters");
    let info = find(&bytes, &[0x15, 0x49, 0xA9, 0x66]);
    let info_size = usize::from(bytes[info + 4] & 0x7F);
    let info_body = &bytes[info + 5..info + 5 + info_size];
    assert!(
        !info_body.windows(2).any(|w| w == [0x44, 0x89]),
        "a Duration element"
    );
    // The last block is Opus audio stamped 2001 ms, after the last video
    // frame's 1900 (ffprobe shows it at 1.994 s, less Opus's 6.5 ms codec
    // delay, which a length check has no need to subtract).
    let info = inspect(&bytes).map(|info| info.duration_millis);
    assert_eq!(info, Ok(Some(2_001)));
}

#[test]
fn a_duration_element_is_used_when_there_is_one() {
    // The last frame starts at 1.9 s; the Duration element says 2 s.
    let info = inspect(&fixture("video_2s_vp8.webm"));
    assert_eq!(info.map(|info| info.duration_millis), Ok(Some(2_000)));
    let info = inspect(&fixture("video_2s_vp9_live.webm"));
    assert_eq!(info.map(|info| info.duration_millis), Ok(Some(1_900)));
    // A Duration shorter than the frames does not shorten the video.
    let mut bytes = fixture("video_2s_vp8.webm");
    let duration = find(&bytes, &[0x44, 0x89, 0x88]) + 3;
    assert_eq!(bytes[duration..duration + 8], 2000f64.to_be_bytes());
    bytes[duration..duration + 8].copy_from_slice(&500f64.to_be_bytes());
    let info = inspect_video(&bytes, &any_duration());
    assert_eq!(info.map(|info| info.duration_millis), Ok(Some(1_900)));
}

#[test]
fn the_timestamp_scale_is_applied() {
    let mut bytes = fixture("video_2s_vp9_live.webm");
    // TimestampScale 1,000,000 ns rewritten as 2,000,000: twice as long.
    let scale = find(&bytes, &[0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40]);
    bytes[scale + 4..scale + 7].copy_from_slice(&[0x1E, 0x84, 0x80]);
    assert_eq!(inspect(&bytes).map(|i| i.duration_millis), Ok(Some(3_800)));
    // Zero is not a scale.
    bytes[scale + 4..scale + 7].copy_from_slice(&[0, 0, 0]);
    assert_eq!(inspect(&bytes), Err(MediaError::Undecodable));
}

#[test]
fn a_seventy_second_video_is_too_long() {
    let bytes = fixture("video_70s_mediarecorder.webm");
    assert_eq!(inspect(&bytes), Err(MediaError::TooLong));
    // 70 frames at 1 a second: the last starts at 69 s, and a file without
    // Duration is timed by its last frame's start.
    let info = inspect_video(&bytes, &any_duration()).map(|i| i.duration_millis);
    assert_eq!(info, Ok(Some(69_000)));
}

#[test]
fn a_third_of_a_second_is_too_short() {
    let bytes = fixture("video_0_3s_h264.mp4");
    assert_eq!(inspect(&bytes), Err(MediaError::TooShort));
    let info = inspect_video(&bytes, &any_duration()).expect("a valid file");
    assert_about("video_0_3s_h264.mp4", info.duration_millis, 300);
}

#[test]
fn what_is_not_a_webm_or_mp4_video_is_not_a_video() {
    for name in ["not_an_image.jpg", "image_64.jpg", "image_64.png"] {
        assert_eq!(
            inspect(&fixture(name)),
            Err(MediaError::NotAVideo),
            "{name}"
        );
    }
    // Matroska, but not WebM.
    let mut mkv = fixture("video_2s_vp8.webm");
    let doc_type = find(&mkv, b"webm");
    mkv[doc_type..doc_type + 4].copy_from_slice(b"mkv\0");
    assert_eq!(inspect(&mkv), Err(MediaError::NotAVideo));
    // Sound only: the MP4's one track handled as audio.
    let mut mp4 = fixture("video_2s_h264.mp4");
    // The first handler is the track's: full-box header, pre_defined, type.
    let handler = find(&mp4, b"hdlr") + 12;
    assert_eq!(&mp4[handler..handler + 4], b"vide");
    mp4[handler..handler + 4].copy_from_slice(b"soun");
    assert_eq!(inspect(&mp4), Err(MediaError::NotAVideo));
    // Sound only: the WebM's track typed audio (2), its Video element voided.
    let mut webm = fixture("video_2s_vp9_live.webm");
    let track_type = find(&webm, &[0x83, 0x81, 0x01]);
    webm[track_type + 2] = 2;
    let pixel_width = find(&webm, &[0xB0, 0x81, 0x40]);
    assert_eq!(webm[pixel_width - 2], 0xE0);
    webm[pixel_width - 2] = 0xEC;
    assert_eq!(inspect(&webm), Err(MediaError::NotAVideo));
}

#[test]
fn the_size_is_checked_before_anything_is_parsed() {
    assert_eq!(inspect(&[]), Err(MediaError::Empty));
    let limits = MediaLimits {
        max_video_bytes: 1_000,
        ..MediaLimits::default()
    };
    for bytes in [fixture("video_2s_h264.mp4"), vec![b'x'; 1_001]] {
        let refused = inspect_video(&bytes, &limits);
        assert_eq!(refused, Err(MediaError::TooLarge { limit: 1_000 }));
    }
}

#[test]
fn every_cut_of_a_file_with_known_sizes_is_truncated() {
    for (name, magic) in [("video_2s_vp8.webm", 4), ("video_2s_h264.mp4", 8)] {
        let bytes = fixture(name);
        for cut in magic..bytes.len() {
            assert_eq!(
                inspect(&bytes[..cut]),
                Err(MediaError::Truncated),
                "{name} {cut}"
            );
        }
    }
}

#[test]
fn a_streamed_webm_cut_inside_an_element_is_truncated() {
    for name in ["video_2s_vp9_live.webm", "video_2s_mediarecorder.webm"] {
        let bytes = fixture(name);
        let full = inspect(&bytes).map(|i| i.duration_millis);
        let first_cluster = find(&bytes, &[0x1F, 0x43, 0xB6, 0x75]);
        // Headers and no frame: cut before the media.
        assert_eq!(inspect(&bytes[..first_cluster]), Err(MediaError::Truncated));
        // Cut inside the first (key) frame.
        assert_eq!(
            inspect(&bytes[..first_cluster + 100]),
            Err(MediaError::Truncated)
        );
        // A Segment of unknown size has no end to miss: a cut at an element
        // boundary is a shorter recording. Nothing cut reads longer.
        for cut in 4..bytes.len() {
            match inspect_video(&bytes[..cut], &any_duration()) {
                Ok(info) => assert!(info.duration_millis <= full.clone().ok().flatten()),
                Err(MediaError::Truncated) => {}
                Err(other) => panic!("{name} cut at {cut}: {other:?}"),
            }
        }
    }
}

#[test]
fn an_mp4_without_moov_is_truncated() {
    let bytes = fixture("video_2s_h264.mp4");
    let moov = find(&bytes, b"moov") - 4;
    assert_eq!(inspect(&bytes[..moov]), Err(MediaError::Truncated));
}

#[test]
fn corrupt_videos_are_undecodable() {
    // An MP4 whose movie header is gone.
    let mut mp4 = fixture("video_2s_h264.mp4");
    let mvhd = find(&mp4, b"mvhd");
    mp4[mvhd..mvhd + 4].copy_from_slice(b"xvhd");
    assert_eq!(inspect(&mp4), Err(MediaError::Undecodable));
    // An MP4 box claiming to be smaller than its own header.
    let mut mp4 = fixture("video_2s_h264.mp4");
    let free = find(&mp4, b"free") - 4;
    mp4[free..free + 4].copy_from_slice(&[0, 0, 0, 3]);
    assert_eq!(inspect(&mp4), Err(MediaError::Undecodable));
    // A WebM whose Segment is followed by something that is not one.
    let mut webm = fixture("video_2s_vp8.webm");
    let segment = find(&webm, &[0x18, 0x53, 0x80, 0x67]);
    webm[segment] = 0x10;
    assert_eq!(inspect(&webm), Err(MediaError::Undecodable));
}

#[test]
fn a_video_whose_length_cannot_be_told_has_no_duration() {
    // MP4: the movie header's duration zeroed (version 0: at 16 in its body).
    let mut mp4 = fixture("video_2s_h264.mp4");
    let mvhd = find(&mp4, b"mvhd") + 4;
    assert_eq!(mp4[mvhd], 0, "a version 0 mvhd");
    mp4[mvhd + 16..mvhd + 20].copy_from_slice(&[0; 4]);
    assert_eq!(inspect(&mp4), Err(MediaError::NoDuration));
    // WebM without Duration whose first Cluster lost its Timestamp (made a
    // Void element): its frames cannot be timed.
    let mut webm = fixture("video_2s_mediarecorder.webm");
    let cluster = find(&webm, &[0x1F, 0x43, 0xB6, 0x75]);
    assert_eq!(webm[cluster + 12], 0xE7);
    webm[cluster + 12] = 0xEC;
    assert_eq!(inspect(&webm), Err(MediaError::NoDuration));
}
