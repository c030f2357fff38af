//! Every JSON body the desk API takes, from any bytes: never a panic;
//! what deserialises serialises and deserialises again to the same value.
#![no_main]

use carddesk_wire::case::{InstructRequest, ReasonRequest, ReassignRequest};
use carddesk_wire::interviews::{MediaQuery, VerdictRequest};
use carddesk_wire::search::SearchRequest;
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        let text = serde_json::to_vec(&value).expect("what was read can be written");
        let again: T = serde_json::from_slice(&text).expect("what was written can be read");
        assert_eq!(again, value);
    }
}

fuzz_target!(|bytes: &[u8]| {
    round_trip::<InstructRequest>(bytes);
    round_trip::<ReasonRequest>(bytes);
    round_trip::<ReassignRequest>(bytes);
    round_trip::<SearchRequest>(bytes);
    round_trip::<VerdictRequest>(bytes);
    round_trip::<MediaQuery>(bytes);
    let _ = serde_json::from_slice::<carddesk_wire::staff::SignInRequest>(bytes);
});
