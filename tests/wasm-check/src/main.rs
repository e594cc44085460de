//! `wasm-check DIST NAME.wasm --max-wasm BYTES --max-br BYTES`: validates one
//! module of the built package in DIST, prints its figures, and exits 1 if any
//! check fails.

use std::path::Path;
use std::process::ExitCode;
use wasm_check::{brotli_decompress, check_mvp, initial_memory_pages, Budget, Figures};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            for p in problems {
                eprintln!("wasm-check: {p}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), Vec<String>> {
    let usage = || vec!["usage: wasm-check DIST NAME.wasm --max-wasm BYTES --max-br BYTES".to_owned()];
    let [dist, name, flag_wasm, max_wasm, flag_br, max_br] = args.as_slice() else { return Err(usage()) };
    if flag_wasm != "--max-wasm" || flag_br != "--max-br" {
        return Err(usage());
    }
    let budget = Budget {
        wasm: max_wasm.parse().map_err(|_| usage())?,
        brotli: max_br.parse().map_err(|_| usage())?,
    };
    let dist = Path::new(dist);
    let read = |name: &str| std::fs::read(dist.join(name)).map_err(|e| vec![format!("{name}: {e}")]);
    let wasm = read(name)?;
    let brotli = read(&format!("{name}.br"))?;
    let mut problems = Vec::new();
    if let Err(e) = check_mvp(&wasm) {
        problems.push(e);
    }
    match brotli_decompress(&brotli) {
        Ok(inflated) if inflated == wasm => {}
        Ok(_) => problems.push(format!("{name}.br does not hold the same module as {name}")),
        Err(e) => problems.push(format!("{name}.br: {e}")),
    }
    let pages = initial_memory_pages(&wasm).map_err(|e| vec![e])?;
    let figures = Figures { wasm: wasm.len() as u64, brotli: brotli.len() as u64, js: js_bytes(dist)?, pages };
    println!("size of {name}: .wasm {} bytes (budget {}), .wasm.br {} bytes (budget {}), js in the package {} bytes, initial memory {} pages ({} KiB)",
        figures.wasm, budget.wasm, figures.brotli, budget.brotli, figures.js, figures.pages, figures.pages * 64);
    problems.extend(budget.broken_by(&figures));
    if problems.is_empty() {
        println!("wasm-check: MVP + mutable globals only, .wasm.br matches, within budget");
        Ok(())
    } else {
        Err(problems)
    }
}

fn js_bytes(dist: &Path) -> Result<u64, Vec<String>> {
    let entries = std::fs::read_dir(dist).map_err(|e| vec![format!("{}: {e}", dist.display())])?;
    let mut total = 0;
    for entry in entries.flatten() {
        if entry.path().extension().is_some_and(|x| x == "js") {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    Ok(total)
}
