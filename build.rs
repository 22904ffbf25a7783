// The default templates and static files are embedded with `include_dir!`, which cannot
// tell cargo about the files it reads; this makes an edit to them rebuild the binary.
fn main() {
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=static");
}
