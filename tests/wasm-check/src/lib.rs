//! Checks a built wx-subscribe package: the module validates as WebAssembly MVP
//! plus mutable globals (what older iOS JavaScriptCore accepts), the `.wasm.br`
//! holds exactly the same module, and the sizes stay within their budgets.

use std::io::Read;
use wasmparser::{Parser, Payload, TypeRef, Validator, WasmFeatures};

/// The features an old iPhone's engine accepts: the MVP and mutable globals, nothing newer.
pub const ACCEPTED_FEATURES: WasmFeatures = WasmFeatures::WASM1;

/// Validates `bytes` with only [`ACCEPTED_FEATURES`] enabled.
pub fn check_mvp(bytes: &[u8]) -> Result<(), String> {
    Validator::new_with_features(ACCEPTED_FEATURES)
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| format!("not WebAssembly MVP (+ mutable globals): {e}"))
}

/// The initial size of the module's linear memory, in 64 KiB pages.
pub fn initial_memory_pages(bytes: &[u8]) -> Result<u64, String> {
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::MemorySection(reader) => {
                if let Some(memory) = reader.into_iter().next() {
                    return Ok(memory.map_err(|e| e.to_string())?.initial);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Memory(memory) = import.map_err(|e| e.to_string())?.ty {
                        return Ok(memory.initial);
                    }
                }
            }
            _ => {}
        }
    }
    Err("the module has no linear memory".to_owned())
}

/// Decompresses a `.br` file.
pub fn brotli_decompress(compressed: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(compressed, 4096)
        .read_to_end(&mut out)
        .map_err(|e| format!("not valid brotli: {e}"))?;
    Ok(out)
}

/// The figures of one build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// Bytes of the `.wasm`.
    pub wasm: u64,
    /// Bytes of the `.wasm.br`.
    pub brotli: u64,
    /// Bytes of all shipped `.js`.
    pub js: u64,
    /// Initial linear memory, in 64 KiB pages.
    pub pages: u64,
}

/// Size limits; the build fails above them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Most bytes for the `.wasm`.
    pub wasm: u64,
    /// Most bytes for the `.wasm.br`.
    pub brotli: u64,
}

impl Budget {
    /// Every limit the figures break, as sentences; empty when all fit.
    pub fn broken_by(&self, figures: &Figures) -> Vec<String> {
        let mut broken = Vec::new();
        if figures.wasm > self.wasm {
            broken.push(format!(".wasm is {} bytes, over its budget of {} bytes", figures.wasm, self.wasm));
        }
        if figures.brotli > self.brotli {
            broken.push(format!(".wasm.br is {} bytes, over its budget of {} bytes", figures.brotli, self.brotli));
        }
        broken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(body: &str) -> Vec<u8> {
        wat::parse_str(body).unwrap()
    }

    #[test]
    fn an_mvp_module_with_a_mutable_global_passes() {
        let m = module(r#"(module (memory 2) (global (export "g") (mut i32) (i32.const 0))
            (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#);
        assert_eq!(check_mvp(&m), Ok(()));
        assert_eq!(initial_memory_pages(&m), Ok(2));
    }

    #[test]
    fn bulk_memory_fails() {
        let m = module(r#"(module (memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.copy))"#);
        assert!(check_mvp(&m).unwrap_err().contains("bulk memory"));
    }

    #[test]
    fn sign_extension_fails() {
        let m = module(r#"(module (func (param i32) (result i32) local.get 0 i32.extend8_s))"#);
        assert!(check_mvp(&m).unwrap_err().contains("sign extension"));
    }

    #[test]
    fn non_trapping_float_to_int_fails() {
        let m = module(r#"(module (func (param f32) (result i32) local.get 0 i32.trunc_sat_f32_s))"#);
        assert!(check_mvp(&m).unwrap_err().contains("saturating"));
    }

    #[test]
    fn multi_value_fails() {
        let m = module(r#"(module (func (result i32 i32) i32.const 0 i32.const 1))"#);
        assert!(check_mvp(&m).unwrap_err().contains("multi-value"));
    }

    #[test]
    fn reference_types_fail() {
        let m = module(r#"(module (table 1 externref))"#);
        assert!(check_mvp(&m).is_err());
    }

    #[test]
    fn imported_memory_pages_are_read() {
        let m = module(r#"(module (import "env" "memory" (memory 17)))"#);
        assert_eq!(initial_memory_pages(&m), Ok(17));
        assert!(initial_memory_pages(&module("(module)")).is_err());
    }

    #[test]
    fn budget_is_broken_above_each_limit_and_not_at_it() {
        let budget = Budget { wasm: 100, brotli: 50 };
        let at = Figures { wasm: 100, brotli: 50, js: 9999, pages: 2 };
        assert!(budget.broken_by(&at).is_empty());
        let over = Figures { wasm: 101, brotli: 51, ..at };
        let broken = budget.broken_by(&over);
        assert_eq!(broken.len(), 2);
        assert!(broken[0].contains("101 bytes, over its budget of 100"));
    }

    #[test]
    fn bad_brotli_is_an_error() {
        assert!(brotli_decompress(b"\xff\xff\xff not brotli").is_err());
    }
}
