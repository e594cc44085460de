//! `js-names --write|--check FILE`: the names the JS side gives the wire's
//! numbers, and the fixed sizes of its layouts, written from the Rust core's
//! own declarations into one JS module
//! (js/lib/names.js), so that no list is kept in step by hand. `.ci/build`
//! runs `--check`, which fails when the file is not what the core declares.

use std::process::ExitCode;
use wx_subscribe::layout_sizes::{ANSWER_BASE, CODES_PER_TEMPLATE, KEPT_LISTS, MAX_CODED_ANSWERS, PLAN_HEAD};
use wx_subscribe::outcome::OutcomeCounts;
use wx_subscribe::{ErrorKind, Status, TemplateState};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, file] = args.as_slice() else { return usage() };
    let text = names();
    match mode.as_str() {
        "--write" => match std::fs::write(file, &text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("{file}: {e}")),
        },
        "--check" => match std::fs::read_to_string(file) {
            Ok(found) if found == text => {
                println!("js-names: {file} names what the core declares");
                ExitCode::SUCCESS
            }
            Ok(_) => fail(&format!("{file} differs from the core's declarations: run cargo run -p wasm-check --bin js-names -- --write {file}")),
            Err(e) => fail(&format!("{file}: {e}")),
        },
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    fail("usage: js-names --write|--check FILE")
}

fn fail(problem: &str) -> ExitCode {
    eprintln!("js-names: {problem}");
    ExitCode::FAILURE
}

/// A JS string literal (JSON's, which JS reads the same).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn list(names: &[&str]) -> String {
    names.iter().map(|name| quoted(name)).collect::<Vec<_>>().join(", ")
}

/// The text of js/lib/names.js.
fn names() -> String {
    let sentences: String = ErrorKind::ALL.iter().map(|kind| format!("    {}: {},\n", quoted(kind.name()), quoted(kind.user_message()))).collect();
    format!(
        "// Generated from the Rust core by `cargo run -p wasm-check --bin js-names -- --write js/lib/names.js`;\n\
         // .ci/build fails when it differs from what the core declares. Do not edit.\n\
         'use strict';\n\
         \n\
         module.exports = {{\n\
         \x20 // Each template state's name (TemplateState::NAMES); in the numbers a state is its index plus one.\n\
         \x20 STATES: [{}],\n\
         \x20 // Each result status's name, by its number (Status::NAMES).\n\
         \x20 STATUSES: [{}],\n\
         \x20 // An outcome's counts, in the order the numbers give them (OutcomeCounts::NAMES).\n\
         \x20 OUTCOME_COUNTS: [{}],\n\
         \x20 // A sentence for the user per error kind, in Chinese (ErrorKind::user_message).\n\
         \x20 USER_MESSAGES: {{\n{}  }},\n\
         \x20 // A plan's numbers (src/registry.rs): how many come before the templates' and how many per\n\
         \x20 // template; the base of the number that gives a template's answers, and the most it holds.\n\
         \x20 PLAN_HEAD: {},\n\
         \x20 CODES_PER_TEMPLATE: {},\n\
         \x20 ANSWER_BASE: {},\n\
         \x20 MAX_CODED_ANSWERS: {},\n\
         \x20 // How many template lists a module keeps registered (src/registry.rs).\n\
         \x20 KEPT_LISTS: {},\n\
         }};\n",
        list(TemplateState::NAMES),
        list(Status::NAMES),
        list(&OutcomeCounts::NAMES),
        sentences,
        PLAN_HEAD,
        CODES_PER_TEMPLATE,
        ANSWER_BASE,
        MAX_CODED_ANSWERS,
        KEPT_LISTS
    )
}
