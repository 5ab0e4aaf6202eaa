//! Fuzz target: any bytes through load (UTF-8, parse, imports), check, expand, build,
//! rendering and the formatter. Nothing may panic.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Imports resolve next to the fuzz crate, where the seed corpus files are.
    let path = Path::new("corpus-root/input.mascot");
    let compiled = mascot::plan::compile_bytes(path, "input.mascot", data);
    let _ = compiled.render();
    if let Ok(plan) = &compiled.plan {
        let _ = mascot::plan::render::text(plan);
        let _ = mascot::plan::render::dot(plan);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(formatted) = mascot::lang::format_source(text) {
            // A formatted file parses again and formats to itself.
            let again = mascot::lang::format_source(&formatted).expect("formatted output parses");
            assert_eq!(again, formatted, "fmt is not idempotent");
        }
    }
});
