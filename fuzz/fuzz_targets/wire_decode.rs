//! Fuzz the hub's view of an agent batch: whatever the bytes, `decode` returns a batch or a 4xx
//! error, never panics and never allocates past the caps; a decoded batch re-encodes to itself.
#![no_main]

use cloudctl_wire::{Encoding, Limits, decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the path, so both the zstd and the plain-JSON decoders are fuzzed.
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let encoding = if first & 1 == 0 {
        Encoding::Zstd
    } else {
        Encoding::Identity
    };
    let limits = Limits::default();
    match decode(body, encoding, &limits) {
        Ok(batch) => {
            // Re-encoding may exceed a cap (`1e5` is longer as `100000.0`); if it fits it must
            // decode to the same batch.
            if let Ok(wire) = encode(&batch, &limits) {
                let again =
                    decode(&wire, Encoding::Zstd, &limits).expect("re-encoded batch decodes");
                assert_eq!(again, batch);
            }
        }
        Err(e) => assert!((400..500).contains(&e.http_status()), "{e:?}"),
    }
});
