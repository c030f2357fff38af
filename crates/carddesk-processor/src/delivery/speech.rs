//! Speech engines: the voice prompt rendered to a WAV file by the
//! platform's text-to-speech.
//!
//! - Linux: [`EspeakNg`] (`espeak-ng`, Mandarin voice `cmn`, English `en`),
//!   fed the SSML. Tested here, against the real program.
//! - macOS: [`MacSay`] (`say`), fed the plain text (it reads no SSML).
//! - Windows: [`WindowsSapi`] (SAPI through PowerShell's `System.Speech`),
//!   fed the SSML.
//!
//! The macOS and Windows engines compile on every platform but have only
//! ever run where they were written; nothing here has tested them. Which
//! one a build uses by default is [`platform_engine`]'s choice.
//!
//! The prompt carries the one-time code, so it reaches the engine on its
//! standard input, never on its command line (which other local users can
//! read), and audio that has to pass through a file does so in a private
//! directory that is removed at once.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use rand::RngCore;
use thiserror::Error;
use tokio::io::AsyncWriteExt;
use zeroize::Zeroizing;

mod mac;
mod windows;
pub use mac::MacSay;
pub use windows::WindowsSapi;

/// What an engine is asked to say.
#[derive(Debug, Clone, Copy)]
pub struct Prompt<'a> {
    /// `zh-CN` or `en`.
    pub language: &'a str,
    /// The words, plain.
    pub text: &'a str,
    /// The same as SSML (see [`super::voice::ssml`]).
    pub ssml: &'a str,
}

/// Why rendering failed. Never carries the prompt.
#[derive(Debug, Error)]
pub enum SpeechError {
    /// The engine's program could not be started (not installed?).
    #[error("could not start {program}: {source}")]
    NotInstalled {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The engine ran but failed.
    #[error("{program} failed ({status})")]
    Failed {
        /// The program.
        program: String,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// The engine took longer than allowed.
    #[error("{program} took longer than {limit:?}")]
    TimedOut {
        /// The program.
        program: String,
        /// The limit.
        limit: Duration,
    },
    /// The engine's output is not a WAV file with sound in it.
    #[error("{program} produced no usable WAV audio")]
    BadOutput {
        /// The program.
        program: String,
    },
    /// Reading or writing the engine's input or output failed.
    #[error("speech engine I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl SpeechError {
    /// A short code for logs and the outbox's `last_error_code`.
    pub fn code(&self) -> &'static str {
        match self {
            SpeechError::NotInstalled { .. } => "speech_engine_missing",
            SpeechError::Failed { .. } => "speech_engine_failed",
            SpeechError::TimedOut { .. } => "speech_engine_timeout",
            SpeechError::BadOutput { .. } => "speech_engine_output",
            SpeechError::Io(_) => "speech_engine_io",
        }
    }
}

/// A text-to-speech engine that renders a prompt to a WAV file.
#[async_trait]
pub trait SpeechEngine: Send + Sync + std::fmt::Debug {
    /// A name for logs and audit entries.
    fn name(&self) -> &'static str;

    /// The longest a rendering may take.
    fn max_duration(&self) -> Duration;

    /// The prompt as a WAV file (RIFF, PCM).
    async fn render(&self, prompt: &Prompt<'_>) -> Result<Zeroizing<Vec<u8>>, SpeechError>;
}

/// The engine this platform has: espeak-ng on Linux (and other Unixes),
/// `say` on macOS, SAPI on Windows, each with its defaults.
pub fn platform_engine() -> std::sync::Arc<dyn SpeechEngine> {
    #[cfg(target_os = "macos")]
    {
        std::sync::Arc::new(MacSay::default())
    }
    #[cfg(windows)]
    {
        std::sync::Arc::new(WindowsSapi::default())
    }
    #[cfg(not(any(target_os = "macos", windows)))]
    {
        std::sync::Arc::new(EspeakNg::default())
    }
}

/// espeak-ng, reading SSML on its standard input and writing the WAV file
/// to its standard output.
#[derive(Debug, Clone)]
pub struct EspeakNg {
    /// The program (`espeak-ng` on the `PATH` by default).
    pub program: PathBuf,
    /// Words per minute; a little slower than espeak-ng's 175, since the
    /// listener is writing a code down.
    pub speed: u32,
    /// The longest a rendering may take.
    pub timeout: Duration,
}

impl Default for EspeakNg {
    fn default() -> Self {
        Self {
            program: PathBuf::from("espeak-ng"),
            speed: 150,
            timeout: Duration::from_secs(20),
        }
    }
}

impl EspeakNg {
    /// The voice for a language: Mandarin (`cmn`) or English.
    pub fn voice(language: &str) -> &'static str {
        if language == "zh-CN" { "cmn" } else { "en" }
    }
}

#[async_trait]
impl SpeechEngine for EspeakNg {
    fn name(&self) -> &'static str {
        "espeak-ng"
    }

    fn max_duration(&self) -> Duration {
        self.timeout
    }

    async fn render(&self, prompt: &Prompt<'_>) -> Result<Zeroizing<Vec<u8>>, SpeechError> {
        let mut command = tokio::process::Command::new(&self.program);
        command
            // -m: the input is SSML.
            .args(["-m", "-v", Self::voice(prompt.language), "-s"])
            .arg(self.speed.to_string())
            .args(["--stdout", "--stdin"]);
        let mut wav = run(command, &self.program, prompt.ssml, self.timeout).await?;
        // Writing to a pipe, espeak-ng cannot go back to fill in the
        // lengths in the WAV header and leaves placeholders there.
        fix_wav_lengths(&mut wav).ok_or_else(|| SpeechError::BadOutput {
            program: self.program.display().to_string(),
        })?;
        Ok(wav)
    }
}

/// Runs an engine: `input` on its standard input, its standard output
/// returned, killed when it overruns `limit`. Its standard error is
/// dropped unread: an engine may quote its input there.
async fn run(
    mut command: tokio::process::Command,
    program: &std::path::Path,
    input: &str,
    limit: Duration,
) -> Result<Zeroizing<Vec<u8>>, SpeechError> {
    let name = || program.display().to_string();
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|source| SpeechError::NotInstalled {
            program: name(),
            source,
        })?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| SpeechError::BadOutput { program: name() })?;
    let work = async {
        // The prompt is a few hundred bytes: it fits the pipe, so writing
        // it all before reading cannot block on the engine's output.
        stdin.write_all(input.as_bytes()).await?;
        stdin.shutdown().await?;
        drop(stdin);
        child.wait_with_output().await
    };
    let output = tokio::time::timeout(limit, work)
        .await
        .map_err(|_| SpeechError::TimedOut {
            program: name(),
            limit,
        })??;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(SpeechError::Failed {
            program: name(),
            status: output.status,
        });
    }
    Ok(stdout)
}

/// Sets a WAV file's RIFF and `data` chunk lengths from its real size.
/// `None` when it is not a RIFF/WAVE file with a `data` chunk.
pub fn fix_wav_lengths(wav: &mut [u8]) -> Option<()> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return None;
    }
    let riff_len = u32::try_from(wav.len() - 8).ok()?;
    wav[4..8].copy_from_slice(&riff_len.to_le_bytes());
    let mut at = 12;
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let body = at + 8;
        if id == b"data" {
            let data_len = u32::try_from(wav.len() - body).ok()?;
            wav[at + 4..body].copy_from_slice(&data_len.to_le_bytes());
            return (data_len > 0).then_some(());
        }
        let len = usize::try_from(u32::from_le_bytes(wav[at + 4..body].try_into().ok()?)).ok()?;
        // Chunks are padded to an even length.
        at = body.checked_add(len)?.checked_add(len % 2)?;
    }
    None
}

/// A temporary directory only its owner can enter, removed on drop.
struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    fn new() -> std::io::Result<Self> {
        let mut name = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut name);
        let path = std::env::temp_dir().join(format!("carddesk-speech-{}", hex::encode(name)));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
        Ok(Self { path })
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        // Best effort: the directory is private either way.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::fix_wav_lengths;

    #[test]
    fn wav_lengths_are_fixed_from_the_real_size() {
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF\xff\xff\xff\x7fWAVE");
        wav.extend_from_slice(b"fmt \x10\x00\x00\x00");
        wav.extend_from_slice(&[0u8; 16]);
        wav.extend_from_slice(b"data\xff\xff\xff\x7f");
        wav.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        fix_wav_lengths(&mut wav).expect("a WAV file");
        assert_eq!(
            &wav[4..8],
            &(u32::try_from(wav.len()).unwrap() - 8).to_le_bytes()
        );
        assert_eq!(&wav[40..44], &6u32.to_le_bytes());
        assert_eq!(fix_wav_lengths(&mut b"RIFF....AVI ".to_vec()), None);
    }
}
