//! Command line: `atoll-mkimage LOADER KERNEL ROOT_TASK OUTPUT`.
#![forbid(unsafe_code)]
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [loader, kernel, root_task, output] = args.as_slice() else {
        eprintln!("usage: atoll-mkimage LOADER KERNEL ROOT_TASK OUTPUT");
        return ExitCode::from(2);
    };
    let read = |path: &String| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    let result = (|| -> Result<(), String> {
        let image =
            atoll_mkimage::build_image(&read(loader)?, &read(kernel)?, &read(root_task)?).map_err(|e| e.to_string())?;
        std::fs::write(output, image).map_err(|e| format!("{output}: {e}"))
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("atoll-mkimage: {message}");
            ExitCode::FAILURE
        }
    }
}
