//! Windows' engine, SAPI through PowerShell.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use zeroize::Zeroizing;

use super::{PrivateDir, Prompt, SpeechEngine, SpeechError, run};

/// Windows' SAPI through PowerShell's `System.Speech`, reading SSML on its
/// standard input and writing WAV to a private temporary file. The
/// Mandarin prompt needs a Chinese voice installed (such as Huihui).
/// **Untested**: written for Windows, never run there by this project's
/// tests.
#[derive(Debug, Clone)]
pub struct WindowsSapi {
    /// The program (`powershell` by default).
    pub program: PathBuf,
    /// The longest a rendering may take.
    pub timeout: Duration,
}

impl Default for WindowsSapi {
    fn default() -> Self {
        Self {
            program: PathBuf::from("powershell"),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The script: read the SSML as UTF-8 from standard input, speak it into
/// the file named by `CARDDESK_WAV`. The path travels in the environment
/// so that no quoting of it is needed.
const SAPI_SCRIPT: &str = "$ErrorActionPreference = 'Stop'; \
    [Console]::InputEncoding = [System.Text.Encoding]::UTF8; \
    Add-Type -AssemblyName System.Speech; \
    $s = New-Object System.Speech.Synthesis.SpeechSynthesizer; \
    $s.SetOutputToWaveFile($env:CARDDESK_WAV); \
    $s.SpeakSsml([Console]::In.ReadToEnd()); \
    $s.Dispose()";

#[async_trait]
impl SpeechEngine for WindowsSapi {
    fn name(&self) -> &'static str {
        "sapi"
    }

    fn max_duration(&self) -> Duration {
        self.timeout
    }

    async fn render(&self, prompt: &Prompt<'_>) -> Result<Zeroizing<Vec<u8>>, SpeechError> {
        let dir = PrivateDir::new()?;
        let out = dir.path.join("prompt.wav");
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(["-NoProfile", "-NonInteractive", "-Command", SAPI_SCRIPT])
            .env("CARDDESK_WAV", &out);
        run(command, &self.program, prompt.ssml, self.timeout).await?;
        Ok(Zeroizing::new(tokio::fs::read(&out).await?))
    }
}
