//! Fuzz the Parquet persons reader: any bytes must give persons or problems. A panic inside the `parquet` crate
//! is caught by the reader (`catch_unwind`) in the CLI, but libFuzzer's panic hook aborts first, so this target
//! shows whether the decoder itself panics on broken files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minsheng_entitle::parquet_in::read_persons_parquet;
use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::registry::OnError;

fuzz_target!(|data: &[u8]| {
    let regions = RegionIndex::default();
    let _ = read_persons_parquet("p.parquet", data.to_vec(), &regions, OnError::Quarantine);
});
