//! The small parts of the API: names, codes and defaults.

use carddesk_media::{Container, MediaError, MediaLimits};

#[test]
fn a_container_reads_back_from_its_name() {
    for (container, name, mime) in [
        (Container::Jpeg, "jpeg", "image/jpeg"),
        (Container::Png, "png", "image/png"),
        (Container::WebM, "webm", "video/webm"),
        (Container::Mp4, "mp4", "video/mp4"),
    ] {
        assert_eq!(container.as_str(), name);
        assert_eq!(container.mime(), mime);
        assert_eq!(Container::parse(name), Some(container));
    }
    for other in ["", "JPEG", "jpg", "image/jpeg", "mkv"] {
        assert_eq!(Container::parse(other), None);
    }
}

#[test]
fn every_error_has_its_stable_code_and_a_plain_message() {
    let all = [
        (MediaError::Empty, "empty"),
        (MediaError::TooLarge { limit: 5 }, "too_large"),
        (MediaError::NotAnImage, "not_an_image"),
        (MediaError::NotAVideo, "not_a_video"),
        (MediaError::Truncated, "truncated"),
        (MediaError::Undecodable, "undecodable"),
        (MediaError::TooSmall, "too_small"),
        (MediaError::TooBig, "too_big"),
        (MediaError::TooShort, "too_short"),
        (MediaError::TooLong, "too_long"),
        (MediaError::NoDuration, "no_duration"),
    ];
    for (error, code) in &all {
        assert_eq!(error.code(), *code);
        let message = error.to_string();
        assert!(message.starts_with("the "), "{message}");
    }
    assert_eq!(
        MediaError::TooLarge { limit: 5 }.to_string(),
        "the file is larger than the limit of 5 bytes"
    );
}

#[test]
fn the_default_limits_are_the_documented_ones() {
    let limits = MediaLimits::default();
    assert_eq!(limits.max_image_bytes, 5 * 1024 * 1024);
    assert_eq!(limits.max_video_bytes, 25 * 1024 * 1024);
    assert_eq!((limits.min_image_side, limits.max_image_side), (64, 8192));
    assert_eq!(
        (limits.min_video_millis, limits.max_video_millis),
        (1_000, 60_000)
    );
}
