//! macOS's engine, `say`.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use zeroize::Zeroizing;

use super::{PrivateDir, Prompt, SpeechEngine, SpeechError, run};

/// macOS's `say`, reading plain text on its standard input (`-f -`) and
/// writing 16-bit WAV to a private temporary file. **Untested**: written
/// for macOS, never run there by this project's tests.
#[derive(Debug, Clone)]
pub struct MacSay {
    /// The program (`say` by default).
    pub program: PathBuf,
    /// The voice for Mandarin.
    pub mandarin_voice: String,
    /// The voice for English.
    pub english_voice: String,
    /// The longest a rendering may take.
    pub timeout: Duration,
}

impl Default for MacSay {
    fn default() -> Self {
        Self {
            program: PathBuf::from("say"),
            mandarin_voice: "Tingting".to_owned(),
            english_voice: "Samantha".to_owned(),
            timeout: Duration::from_secs(20),
        }
    }
}

#[async_trait]
impl SpeechEngine for MacSay {
    fn name(&self) -> &'static str {
        "say"
    }

    fn max_duration(&self) -> Duration {
        self.timeout
    }

    async fn render(&self, prompt: &Prompt<'_>) -> Result<Zeroizing<Vec<u8>>, SpeechError> {
        let dir = PrivateDir::new()?;
        let out = dir.path.join("prompt.wav");
        let voice = if prompt.language == "zh-CN" {
            &self.mandarin_voice
        } else {
            &self.english_voice
        };
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(["-v", voice, "--data-format=LEI16@22050", "-f", "-", "-o"])
            .arg(&out);
        run(command, &self.program, prompt.text, self.timeout).await?;
        Ok(Zeroizing::new(tokio::fs::read(&out).await?))
    }
}
