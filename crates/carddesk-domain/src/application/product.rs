//! The card products the bank issues virtually, and their card numbers.
//!
//! A number is the product's BIN, an account part and a Luhn check digit.
//! The account part is the product's next serial (a counter the store
//! increments) passed through a keyed permutation ([`SerialPermutation`]):
//! serials never repeat, so numbers never collide and no retry is needed,
//! while the keyed shuffle keeps one customer's number from telling the
//! next one's.

use chrono::{DateTime, Datelike, Utc};
use thiserror::Error;

use crate::card::CardNumber;
use crate::luhn;

/// A card product issued as a virtual card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VirtualProduct {
    /// The code used in storage and APIs.
    pub code: &'static str,
    /// The name in English.
    pub name_en: &'static str,
    /// The name in Chinese.
    pub name_zh: &'static str,
    /// The issuer's BIN: the number's first six digits.
    pub bin: &'static str,
    /// How many digits the number has.
    pub pan_length: u8,
    /// How long the card is valid, in months from the issue.
    pub validity_months: u32,
}

/// The products on offer.
pub const VIRTUAL_PRODUCTS: [VirtualProduct; 2] = [
    VirtualProduct {
        code: "virtual_debit",
        name_en: "Great Wall Virtual Debit",
        name_zh: "长城虚拟借记卡",
        bin: "621799",
        pan_length: 16,
        validity_months: 36,
    },
    VirtualProduct {
        code: "virtual_credit",
        name_en: "Great Wall Virtual Credit",
        name_zh: "长城虚拟信用卡",
        bin: "625899",
        pan_length: 16,
        validity_months: 36,
    },
];

/// A number the rules cannot make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ProductError {
    /// No product has that code.
    #[error("there is no virtual card product with that code")]
    Unknown,
    /// Every serial of the product has been issued.
    #[error("the product's numbers are used up")]
    Exhausted,
}

/// A virtual card's number and expiry, as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedNumber {
    /// The full number (a secret: `Debug` shows it masked).
    pub number: CardNumber,
    /// Expiry year.
    pub expiry_year: i32,
    /// Expiry month, 1 to 12.
    pub expiry_month: u32,
}

impl VirtualProduct {
    /// The product with this code.
    pub fn find(code: &str) -> Result<&'static VirtualProduct, ProductError> {
        VIRTUAL_PRODUCTS
            .iter()
            .find(|p| p.code == code)
            .ok_or(ProductError::Unknown)
    }

    /// Digits between the BIN and the check digit.
    fn account_digits(&self) -> u32 {
        u32::from(self.pan_length) - self.bin.len() as u32 - 1
    }

    /// How many numbers the product has.
    pub fn capacity(&self) -> u64 {
        10u64.pow(self.account_digits())
    }

    /// The number for the product's `serial`-th card (from 0), shuffled by
    /// `permutation`, with its expiry counted from `now`.
    pub fn issue<F: Fn(u8, u32) -> u32>(
        &self,
        serial: u64,
        permutation: &SerialPermutation<F>,
        now: DateTime<Utc>,
    ) -> Result<IssuedNumber, ProductError> {
        let capacity = self.capacity();
        if serial >= capacity {
            return Err(ProductError::Exhausted);
        }
        let account = permutation.apply(serial, capacity);
        let width = self.account_digits() as usize;
        let payload = format!("{}{account:0width$}", self.bin);
        let check = luhn::check_digit(&payload).ok_or(ProductError::Unknown)?;
        let number =
            CardNumber::parse(&format!("{payload}{check}")).map_err(|_| ProductError::Unknown)?;
        let months = now.month0() + self.validity_months;
        Ok(IssuedNumber {
            number,
            expiry_year: now.year() + (months / 12) as i32,
            expiry_month: months % 12 + 1,
        })
    }
}

/// A keyed permutation of `0..capacity`: a balanced Feistel network on 2k
/// bits (the smallest even width that holds the capacity), walked again
/// while the result falls outside (cycle walking), which keeps it a
/// bijection on `0..capacity` itself. The round function is the key: the
/// processor gives one made from a keyed hash.
pub struct SerialPermutation<F: Fn(u8, u32) -> u32> {
    round: F,
}

impl<F: Fn(u8, u32) -> u32> SerialPermutation<F> {
    /// Rounds of the network: 8 is well past the 4 that make a Feistel
    /// network a pseudo-random permutation.
    const ROUNDS: u8 = 8;

    /// A permutation whose round `r` of half `h` is `round(r, h)` (only the
    /// low half-width bits of the answer are used).
    pub fn new(round: F) -> Self {
        Self { round }
    }

    /// Where `value` (below `capacity`) goes.
    pub fn apply(&self, value: u64, capacity: u64) -> u64 {
        debug_assert!(value < capacity);
        let bits = 64 - (capacity.max(4) - 1).leading_zeros();
        let half = bits.div_ceil(2);
        let mask = (1u64 << half) - 1;
        let mut x = value;
        loop {
            let (mut left, mut right) = (x >> half, x & mask);
            for r in 0..Self::ROUNDS {
                let f = u64::from((self.round)(r, right as u32)) & mask;
                (left, right) = (right, left ^ f);
            }
            x = (left << half) | right;
            if x < capacity {
                return x;
            }
        }
    }
}

impl<F: Fn(u8, u32) -> u32> std::fmt::Debug for SerialPermutation<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The round function is the key: nothing of it is shown.
        f.write_str("SerialPermutation(..)")
    }
}
