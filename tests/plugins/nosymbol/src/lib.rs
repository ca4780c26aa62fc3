//! A shared library without the plugin root module.

#[unsafe(no_mangle)]
pub extern "C" fn not_a_plugin() -> i32 {
    42
}
