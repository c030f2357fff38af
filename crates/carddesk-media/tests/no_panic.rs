//! No input panics: every cut and many corruptions of every fixture, and
//! arbitrary bytes, through both checks.

mod common;

use carddesk_media::{MediaLimits, inspect_image, inspect_video};
use common::{ALL_FIXTURES, fixture};
use proptest::prelude::*;

fn both(bytes: &[u8]) {
    let limits = MediaLimits::default();
    let _ = inspect_image(bytes, &limits);
    let _ = inspect_video(bytes, &limits);
}

#[test]
fn every_cut_of_every_fixture() {
    for name in ALL_FIXTURES {
        let bytes = fixture(name);
        for cut in 0..bytes.len() {
            both(&bytes[..cut]);
        }
    }
}

#[test]
fn every_byte_of_every_fixture_flipped() {
    for name in ALL_FIXTURES {
        let mut bytes = fixture(name);
        for at in 0..bytes.len() {
            // All bits, then one bit chosen by the position.
            for mask in [0xFF, 1 << (at % 8)] {
                bytes[at] ^= mask;
                both(&bytes);
                bytes[at] ^= mask;
            }
        }
    }
}

/// Sizes and counts that a flipped byte is likely to hit.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(0x00),
        Just(0x01),
        Just(0x7F),
        Just(0x80),
        Just(0xFF),
        any::<u8>()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_fixtures(
        which in 0..ALL_FIXTURES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), interesting_byte()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = fixture(ALL_FIXTURES[which]);
        for (at, value) in edits {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        let cut = cut.index(bytes.len() + 1);
        both(&bytes[..cut]);
        both(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_each_signature(
        signature in prop_oneof![
            Just(&b""[..]),
            Just(&b"\xFF\xD8\xFF"[..]),
            Just(&b"\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR"[..]),
            Just(&b"\x1A\x45\xDF\xA3"[..]),
            Just(&b"\0\0\0\x08ftyp"[..]),
        ],
        tail in prop::collection::vec(interesting_byte(), 0..512),
    ) {
        let mut bytes = signature.to_vec();
        bytes.extend(tail);
        both(&bytes);
    }
}
