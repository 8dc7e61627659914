//! Criterion benchmarks of the workspace crates (in `benches/`).
//!
//! * `validate`: per-object validation of a realistic HTTPRoute and a 20-listener Gateway,
//!   natively (`gateway_api_validate::validate`) and through kube-cel's evaluation of the same
//!   CRD rules, side by side:
//!
//!   ```sh
//!   cargo bench -p gateway-api-benches --bench validate
//!   # a short run to check it works:
//!   cargo bench -p gateway-api-benches --bench validate -- --quick
//!   ```
