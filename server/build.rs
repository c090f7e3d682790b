//! `sqlx::migrate!` embeds the migrations when this crate compiles, and Cargo does not know it
//! read them: without this, a migration added later is left out of an incremental build.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
