#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rustmf_host::fuzz::triplets(data));
