//! The integration tests, in one binary (as mdBook's): one link of the crate instead of
//! one per file, and one place for the fixtures. Each module tests one area through the
//! real pipeline or the real `qiao` binary; `support` holds the fixture sites, the parsed
//! pages, a loopback HTTP client and a WebDriver client for headless Chromium.
//!
//! Run one area with `cargo test --test it -- search::` (a module path filter).

mod support;

mod bad_input;
mod browser;
mod build;
mod cli;
mod deploy;
mod first_contact;
mod identity;
mod images;
mod map;
mod metadata;
mod output;
mod search;
mod serve;
mod tags;
