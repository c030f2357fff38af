//! Photos: the fixtures accepted and measured, and each refusal.

mod common;

use carddesk_media::{Container, MediaError, MediaInfo, MediaLimits, inspect_image};
use common::{crc32, find, fixture};

fn inspect(bytes: &[u8]) -> Result<MediaInfo, MediaError> {
    inspect_image(bytes, &MediaLimits::default())
}

#[test]
fn the_jpeg_and_png_fixtures_are_accepted_and_measured() {
    for (name, container, mime) in [
        ("image_64.jpg", Container::Jpeg, "image/jpeg"),
        ("image_64.png", Container::Png, "image/png"),
    ] {
        let bytes = fixture(name);
        let info = inspect(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            info,
            MediaInfo {
                container,
                bytes: bytes.len(),
                width: Some(64),
                height: Some(64),
                duration_millis: None,
            },
            "{name}"
        );
        assert_eq!(info.container.mime(), mime);
    }
}

#[test]
fn what_is_not_a_jpeg_or_png_is_not_an_image() {
    // A text file whatever its name, a video, a GIF: only the bytes count.
    for bytes in [
        fixture("not_an_image.jpg"),
        fixture("video_2s_h264.mp4"),
        fixture("video_2s_mediarecorder.webm"),
        b"GIF89a\x40\x00\x40\x00".to_vec(),
        vec![0xFF, 0xD8],
        b"\x89PNG".to_vec(),
    ] {
        assert_eq!(inspect(&bytes), Err(MediaError::NotAnImage));
    }
}

#[test]
fn the_size_is_checked_before_anything_is_parsed() {
    assert_eq!(inspect(&[]), Err(MediaError::Empty));
    let jpeg = fixture("image_64.jpg");
    let limits = MediaLimits {
        max_image_bytes: jpeg.len() - 1,
        ..MediaLimits::default()
    };
    let too_large = Err(MediaError::TooLarge {
        limit: jpeg.len() - 1,
    });
    assert_eq!(inspect_image(&jpeg, &limits), too_large);
    // Even a file that is no image at all is refused for its size first.
    let text = vec![b'x'; jpeg.len()];
    assert_eq!(inspect_image(&text, &limits), too_large);
    let exact = MediaLimits {
        max_image_bytes: jpeg.len(),
        ..MediaLimits::default()
    };
    assert!(inspect_image(&jpeg, &exact).is_ok());
}

#[test]
fn a_side_outside_the_limits_is_too_small_or_too_big() {
    for name in ["image_64.jpg", "image_64.png"] {
        let bytes = fixture(name);
        let small = MediaLimits {
            min_image_side: 65,
            ..MediaLimits::default()
        };
        assert_eq!(inspect_image(&bytes, &small), Err(MediaError::TooSmall));
        let big = MediaLimits {
            max_image_side: 63,
            ..MediaLimits::default()
        };
        assert_eq!(inspect_image(&bytes, &big), Err(MediaError::TooBig));
    }
}

/// The fixture PNG with its header rewritten (and its CRC fixed).
fn png_with_header(width: u32, height: u32, bit_depth: u8, colour_type: u8) -> Vec<u8> {
    let mut png = fixture("image_64.png");
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    png[24] = bit_depth;
    png[25] = colour_type;
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    // Each of these would need gigabytes (or 512 MiB) if decoded; each is
    // refused from the header, at once, whatever the data holds.
    assert_eq!(
        inspect(&png_with_header(100_000, 100_000, 8, 2)),
        Err(MediaError::TooBig)
    );
    assert_eq!(
        inspect(&png_with_header(64, 1 << 30, 8, 2)),
        Err(MediaError::TooBig)
    );
    // Within the side limit, but 16-bit RGBA: 512 MiB, over the decoder's
    // allowance of an 8-bit RGBA image of the largest side.
    assert_eq!(
        inspect(&png_with_header(8192, 8192, 16, 6)),
        Err(MediaError::TooBig)
    );

    let mut jpeg = fixture("image_64.jpg");
    let sof = find(&jpeg, &[0xFF, 0xC0]);
    // Marker (2), length (2), precision (1), then height and width.
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(inspect(&jpeg), Err(MediaError::TooBig));
}

#[test]
fn every_cut_of_a_photo_is_truncated() {
    // zune-jpeg alone would accept a JPEG cut in half (it pads with grey).
    for (name, magic) in [("image_64.jpg", 3), ("image_64.png", 8)] {
        let bytes = fixture(name);
        for cut in 1..magic {
            assert_eq!(
                inspect(&bytes[..cut]),
                Err(MediaError::NotAnImage),
                "{name} {cut}"
            );
        }
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
fn corrupt_photos_are_undecodable() {
    // A PNG whose image data was changed: its CRC no longer matches.
    let mut png = fixture("image_64.png");
    let idat = find(&png, b"IDAT");
    png[idat + 10] ^= 0x55;
    assert_eq!(inspect(&png), Err(MediaError::Undecodable));

    // A PNG whose first chunk is not its header.
    let mut png = fixture("image_64.png");
    png[12..16].copy_from_slice(b"iHDR");
    assert_eq!(inspect(&png), Err(MediaError::Undecodable));

    // A JPEG declaring the lossless process (SOF3), which nothing here reads.
    let mut jpeg = fixture("image_64.jpg");
    let sof = find(&jpeg, &[0xFF, 0xC0]);
    jpeg[sof + 1] = 0xC3;
    assert_eq!(inspect(&jpeg), Err(MediaError::Undecodable));

    // A JPEG whose marker stream is broken after its header.
    let mut jpeg = fixture("image_64.jpg");
    let dqt = find(&jpeg, &[0xFF, 0xDB]);
    jpeg[dqt] = 0x00;
    assert_eq!(inspect(&jpeg), Err(MediaError::Undecodable));
}

#[test]
fn a_jpeg_with_data_after_its_end_is_accepted() {
    // Some cameras append data after the end-of-image marker.
    let mut jpeg = fixture("image_64.jpg");
    jpeg.extend_from_slice(b"trailing maker notes");
    assert!(inspect(&jpeg).is_ok());
}
