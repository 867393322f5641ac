//! Terminal colors, only when the stream is a terminal and NO_COLOR is unset (FORCE_COLOR wins).

use std::io::IsTerminal;

#[derive(Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    pub fn stdout() -> Self {
        Self::detect(std::io::stdout().is_terminal())
    }

    pub fn stderr() -> Self {
        Self::detect(std::io::stderr().is_terminal())
    }

    fn detect(tty: bool) -> Self {
        let force = std::env::var_os("FORCE_COLOR").is_some_and(|v| v != "0");
        let no = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self { on: force || (tty && !no) }
    }

    pub fn enabled(self) -> bool {
        self.on
    }

    fn paint(self, code: &str, s: &str) -> String {
        if self.on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }

    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn magenta(self, s: &str) -> String {
        self.paint("35", s)
    }
    pub fn cyan(self, s: &str) -> String {
        self.paint("36", s)
    }
}

/// One line on stderr that each new status replaces (a build's stage, as Vite shows "rendering
/// chunks..."), then cleared before what is printed next. Only on a terminal, and not in CI, whose
/// logs would keep every version of the line.
#[derive(Clone, Copy)]
pub struct Status {
    on: bool,
}

impl Status {
    pub fn stderr() -> Self {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Self { on: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() && !dumb }
    }

    pub fn enabled(&self) -> bool {
        self.on
    }

    pub fn show(&self, text: &str) {
        if self.on {
            use std::io::Write as _;
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{}", Style::stderr().dim(text));
            let _ = err.flush();
        }
    }

    pub fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Prints a warning: `warning: message` in bold yellow on stderr.
pub fn warning(msg: &str) {
    let s = Style::stderr();
    eprintln!("{} {msg}", s.yellow(&s.bold("warning:")));
}

/// Prints an error line: `error: message` in red on stderr.
pub fn error(msg: &str) {
    let s = Style::stderr();
    eprintln!("{} {msg}", s.red(&s.bold("error:")));
}
