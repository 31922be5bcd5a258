//! Links with the SDK's root-task additions to the default layout.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/../../sdk/root-task.ld");
    println!("cargo:rerun-if-changed=../../sdk/root-task.ld");
}
