//! Typed configuration, read once at start from `XUESHI_*` environment variables.
//! Every problem is reported at start with the variable's name, never later.

use figment::{Figment, providers::Env};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    Development,
    Production,
}

/// The raw variables as the environment gives them; validated into [`Config`].
#[derive(Debug, Deserialize)]
struct RawConfig {
    #[serde(default = "defaults::mode")]
    env: RunMode,
    #[serde(default = "defaults::database_url")]
    database_url: String,
    #[serde(default = "defaults::listen")]
    listen: SocketAddr,
    #[serde(default)]
    public_url: Option<String>,
    #[serde(default)]
    session_secret: Option<String>,
    #[serde(default = "defaults::session_idle_minutes")]
    session_idle_minutes: u64,
    #[serde(default = "defaults::session_absolute_hours")]
    session_absolute_hours: u64,
    #[serde(default)]
    captcha_fixed: Option<String>,
    #[serde(default = "defaults::captcha_issue_limit")]
    captcha_issue_limit: i64,
    #[serde(default = "defaults::storage_dir")]
    storage_dir: PathBuf,
    #[serde(default = "defaults::site_root")]
    site_root: PathBuf,
    #[serde(default = "defaults::body_limit_kib")]
    body_limit_kib: usize,
    #[serde(default = "defaults::upload_limit_mib")]
    upload_limit_mib: usize,
    #[serde(default = "defaults::video_limit_mib")]
    video_limit_mib: usize,
    #[serde(default = "defaults::request_timeout_seconds")]
    request_timeout_seconds: u64,
    #[serde(default = "defaults::upload_timeout_seconds")]
    upload_timeout_seconds: u64,
    #[serde(default = "defaults::upload_stall_seconds")]
    upload_stall_seconds: u64,
    #[serde(default = "defaults::upload_concurrency")]
    upload_concurrency: usize,
    #[serde(default)]
    trust_forwarded_for: bool,
    #[serde(default = "defaults::db_max_connections")]
    db_max_connections: u32,
    #[serde(default = "defaults::public_cache_seconds")]
    public_cache_seconds: u64,
    #[serde(default)]
    payment_sandbox: Option<bool>,
    #[serde(default)]
    pdf_font: Option<String>,
    #[serde(default)]
    sms_outbox_in_production: Option<String>,
    #[serde(default)]
    identity_provider: Option<String>,
    #[serde(default)]
    identity_sandbox_in_production: Option<String>,
    #[serde(default = "defaults::transfer_window_days")]
    transfer_window_days: u64,
    #[serde(default)]
    certificate_issuer: Option<String>,
    #[serde(default = "defaults::keep_public_queries_days")]
    keep_public_queries_days: u64,
    #[serde(default = "defaults::keep_outbox_days")]
    keep_outbox_days: u64,
    #[serde(default = "defaults::keep_sms_codes_days")]
    keep_sms_codes_days: u64,
    #[serde(default = "defaults::keep_drafts_days")]
    keep_drafts_days: u64,
}

mod defaults {
    use super::RunMode;
    use std::{net::SocketAddr, path::PathBuf};
    pub fn mode() -> RunMode {
        RunMode::Development
    }
    pub fn database_url() -> String {
        "sqlite://data/xueshi.db".into()
    }
    pub fn listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 3000))
    }
    pub fn session_idle_minutes() -> u64 {
        30
    }
    pub fn session_absolute_hours() -> u64 {
        12
    }
    pub fn captcha_issue_limit() -> i64 {
        60
    }
    pub fn storage_dir() -> PathBuf {
        "data/files".into()
    }
    pub fn site_root() -> PathBuf {
        "target/site".into()
    }
    pub fn body_limit_kib() -> usize {
        256
    }
    pub fn upload_limit_mib() -> usize {
        10
    }
    pub fn video_limit_mib() -> usize {
        200
    }
    pub fn request_timeout_seconds() -> u64 {
        30
    }
    pub fn upload_timeout_seconds() -> u64 {
        1800
    }
    pub fn upload_stall_seconds() -> u64 {
        30
    }
    pub fn upload_concurrency() -> usize {
        4
    }
    pub fn db_max_connections() -> u32 {
        16
    }
    pub fn public_cache_seconds() -> u64 {
        5
    }
    pub fn transfer_window_days() -> u64 {
        7
    }
    pub fn keep_public_queries_days() -> u64 {
        30
    }
    pub fn keep_outbox_days() -> u64 {
        30
    }
    pub fn keep_sms_codes_days() -> u64 {
        7
    }
    pub fn keep_drafts_days() -> u64 {
        7
    }
}

/// A secret that never prints and never serialises.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: RunMode,
    pub database_url: String,
    pub listen: SocketAddr,
    /// The origin browsers use (scheme://host[:port]); accepted by the cross-site check
    /// in addition to the request's own Host.
    pub public_origin: Option<String>,
    pub session_secret: Secret,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// A captcha answer fixed for browser tests; refused in production.
    pub captcha_fixed: Option<String>,
    /// Captchas issued per client address per minute (each form page shown issues one).
    pub captcha_issue_limit: i64,
    pub storage_dir: PathBuf,
    pub site_root: PathBuf,
    pub body_limit_bytes: usize,
    pub upload_limit_bytes: usize,
    /// Chapter videos (upload endpoints ending in `/video/upload`).
    pub video_limit_bytes: usize,
    /// The longest an ordinary request may take, its body included (slow clients).
    pub request_timeout: Duration,
    /// The longest an upload may take, and the longest its body may stall.
    pub upload_timeout: Duration,
    pub upload_stall: Duration,
    /// Uploads served at once; more are refused (503) until one finishes.
    pub upload_concurrency: usize,
    pub trust_forwarded_for: bool,
    pub db_max_connections: u32,
    /// How long public lists may be served from memory (0: never).
    pub public_cache_ttl: Duration,
    /// Whether the built-in sandbox gateway takes payments. Its cashier "pays" without
    /// money, so production mode turns it off unless it is asked for by name (staging).
    pub payment_sandbox: bool,
    /// The CJK font the platform draws its PDFs (invoices) with: a file, and the face
    /// in it for a collection (`path#index`). `None`: the first of the usual Debian
    /// fonts that is installed.
    pub pdf_font: Option<FontFile>,
    /// `XUESHI_SMS_OUTBOX_IN_PRODUCTION=staging`: a production-mode server may keep its
    /// SMS in the outbox (codes readable there) instead of refusing to start.
    pub sms_outbox_in_production: bool,
    /// Who checks a 实名认证 submission (`XUESHI_IDENTITY_PROVIDER`).
    pub identity_provider: IdentityProviderKind,
    /// How long an order waits for a bank transfer (线下转账) before it closes and its
    /// seat goes back.
    pub transfer_window: Duration,
    /// The issuing body printed and signed on certificates (`XUESHI_CERTIFICATE_ISSUER`).
    pub certificate_issuer: String,
    pub retention: Retention,
}

/// `XUESHI_IDENTITY_PROVIDER`: `review` sends every 实名认证 to the reviewers' queue
/// (实名审核); `sandbox` accepts at once, for development and the demo. Production
/// defaults to `review` and refuses `sandbox` unless
/// `XUESHI_IDENTITY_SANDBOX_IN_PRODUCTION=staging` names a staging server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProviderKind {
    Review,
    Sandbox,
}

/// How long what is no longer needed is kept before the sweep deletes it, in days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// The counters behind the public queries' per-address limits.
    pub public_queries_days: u64,
    /// The development outbox (SMS and e-mail as "sent").
    pub outbox_days: u64,
    /// SMS codes (their daily caps count the last 24 hours).
    pub sms_codes_days: u64,
    /// 提交订单 drafts never confirmed, and their photos.
    pub drafts_days: u64,
}

/// A font file and the face to use in it (0 unless a collection says otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontFile {
    pub path: PathBuf,
    pub face: u32,
}

impl FontFile {
    /// Noto Sans CJK's simplified Chinese face (index 2 of the collection), then
    /// WenQuanYi Micro Hei: what `fonts-noto-cjk` and `fonts-wqy-microhei` install.
    pub const DEBIAN_DEFAULTS: [(&'static str, u32); 2] = [
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ];

    /// `path` or `path#face`.
    fn parse(text: &str) -> Option<Self> {
        let (path, face) = match text.rsplit_once('#') {
            Some((path, face)) => (path, face.parse().ok()?),
            None => (text, 0),
        };
        (!path.is_empty()).then(|| Self { path: path.into(), face })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("配置错误 (configuration error): {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads `XUESHI_*` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_figment(Figment::new().merge(Env::prefixed("XUESHI_")))
    }

    /// Reads from explicit key/value pairs (keys without the prefix); used by tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        for (key, value) in pairs {
            // Parsed the way the environment provider parses, so "30" is a number.
            let value: figment::value::Value = value.parse().unwrap_or_else(|never| match never {});
            figment = figment.merge((key.to_ascii_lowercase(), value));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let raw: RawConfig = figment.extract().map_err(|errors| {
            let described: Vec<String> = errors
                .into_iter()
                .map(|e| match e.path.last() {
                    Some(key) => format!("XUESHI_{}: {}", key.to_ascii_uppercase(), e.kind),
                    None => e.kind.to_string(),
                })
                .collect();
            ConfigError(described.join("; "))
        })?;
        Self::validate(raw)
    }

    fn validate(raw: RawConfig) -> Result<Self, ConfigError> {
        let production = raw.mode() == RunMode::Production;
        if !(raw.database_url.starts_with("sqlite:")
            || raw.database_url.starts_with("postgres://")
            || raw.database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "XUESHI_DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into(),
            ));
        }
        let session_secret = match raw.session_secret {
            Some(secret) if secret.len() >= 32 => Secret(secret.into_bytes()),
            Some(_) => {
                return Err(ConfigError("XUESHI_SESSION_SECRET must be at least 32 characters".into()));
            }
            None if production => {
                return Err(ConfigError(
                    "XUESHI_SESSION_SECRET is required when XUESHI_ENV=production".into(),
                ));
            }
            // Development without a secret: a random one per process. Sessions then end
            // with the process, which is what a developer expects.
            None => Secret(random_secret()),
        };
        if production && raw.captcha_fixed.is_some() {
            return Err(ConfigError(
                "XUESHI_CAPTCHA_FIXED is for browser tests and is refused when XUESHI_ENV=production".into(),
            ));
        }
        if let Some(answer) = &raw.captcha_fixed
            && (answer.len() < 4 || !answer.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(ConfigError("XUESHI_CAPTCHA_FIXED must be at least 4 letters or digits".into()));
        }
        if [raw.keep_public_queries_days, raw.keep_outbox_days, raw.keep_sms_codes_days, raw.keep_drafts_days]
            .contains(&0)
        {
            return Err(ConfigError("XUESHI_KEEP_*_DAYS must be at least 1".into()));
        }
        let certificate_issuer = match raw.certificate_issuer.as_deref().map(str::trim) {
            None | Some("") => "专业技术人员继续教育平台".to_owned(),
            Some(name) if name.chars().count() <= 40 && !name.chars().any(char::is_control) => {
                name.to_owned()
            }
            Some(_) => {
                return Err(ConfigError("XUESHI_CERTIFICATE_ISSUER: at most 40 characters".to_owned()));
            }
        };
        if !(1..=90).contains(&raw.transfer_window_days) {
            return Err(ConfigError("XUESHI_TRANSFER_WINDOW_DAYS must be between 1 and 90".into()));
        }
        if raw.request_timeout_seconds == 0
            || raw.upload_timeout_seconds == 0
            || raw.upload_stall_seconds == 0
        {
            return Err(ConfigError(
                "XUESHI_REQUEST_TIMEOUT_SECONDS, XUESHI_UPLOAD_TIMEOUT_SECONDS and XUESHI_UPLOAD_STALL_SECONDS must be positive"
                    .into(),
            ));
        }
        if raw.session_idle_minutes == 0 || raw.session_absolute_hours == 0 {
            return Err(ConfigError(
                "XUESHI_SESSION_IDLE_MINUTES and XUESHI_SESSION_ABSOLUTE_HOURS must be positive".into(),
            ));
        }
        let public_origin =
            match raw.public_url {
                Some(url) => Some(origin_of(&url).ok_or_else(|| {
                    ConfigError("XUESHI_PUBLIC_URL must look like https://host[:port]".into())
                })?),
                None => None,
            };
        if production && public_origin.as_deref().is_some_and(|o| !o.starts_with("https://")) {
            return Err(ConfigError("XUESHI_PUBLIC_URL must use https when XUESHI_ENV=production".into()));
        }
        let pdf_font = match raw.pdf_font.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => {
                let font = FontFile::parse(text).ok_or_else(|| {
                    ConfigError("XUESHI_PDF_FONT must be a font file path, optionally #face".into())
                })?;
                if !font.path.is_file() {
                    return Err(ConfigError(format!(
                        "XUESHI_PDF_FONT: no font file at {}",
                        font.path.display()
                    )));
                }
                Some(font)
            }
            None => None,
        };
        let sms_outbox_in_production = match raw.sms_outbox_in_production.as_deref().map(str::trim) {
            None | Some("") => false,
            Some("staging") => true,
            Some(_) => {
                return Err(ConfigError(
                    "XUESHI_SMS_OUTBOX_IN_PRODUCTION must be `staging` (or unset)".into(),
                ));
            }
        };
        let identity_provider = match raw.identity_provider.as_deref().map(str::trim) {
            None | Some("") if production => IdentityProviderKind::Review,
            None | Some("") => IdentityProviderKind::Sandbox,
            Some("review") => IdentityProviderKind::Review,
            Some("sandbox") => IdentityProviderKind::Sandbox,
            Some(_) => {
                return Err(ConfigError("XUESHI_IDENTITY_PROVIDER must be `review` or `sandbox`".into()));
            }
        };
        let identity_sandbox_allowed = match raw.identity_sandbox_in_production.as_deref().map(str::trim) {
            None | Some("") => false,
            Some("staging") => true,
            Some(_) => {
                return Err(ConfigError(
                    "XUESHI_IDENTITY_SANDBOX_IN_PRODUCTION must be `staging` (or unset)".into(),
                ));
            }
        };
        // The sandbox verifies anyone who types a valid ID number: real identities need review.
        if production && identity_provider == IdentityProviderKind::Sandbox && !identity_sandbox_allowed {
            return Err(ConfigError(
                "XUESHI_IDENTITY_PROVIDER=sandbox verifies every submission at once and is refused when \
                 XUESHI_ENV=production; for a staging server set XUESHI_IDENTITY_SANDBOX_IN_PRODUCTION=staging"
                    .into(),
            ));
        }
        Ok(Self {
            mode: raw.env,
            database_url: raw.database_url,
            listen: raw.listen,
            public_origin,
            session_secret,
            session_idle: Duration::from_secs(raw.session_idle_minutes * 60),
            session_absolute: Duration::from_secs(raw.session_absolute_hours * 3600),
            captcha_fixed: raw.captcha_fixed.map(|a| a.to_ascii_uppercase()),
            captcha_issue_limit: raw.captcha_issue_limit.max(1),
            storage_dir: raw.storage_dir,
            site_root: raw.site_root,
            body_limit_bytes: raw.body_limit_kib * 1024,
            upload_limit_bytes: raw.upload_limit_mib * 1024 * 1024,
            video_limit_bytes: raw.video_limit_mib * 1024 * 1024,
            request_timeout: Duration::from_secs(raw.request_timeout_seconds),
            upload_timeout: Duration::from_secs(raw.upload_timeout_seconds),
            upload_stall: Duration::from_secs(raw.upload_stall_seconds),
            upload_concurrency: raw.upload_concurrency.max(1),
            trust_forwarded_for: raw.trust_forwarded_for,
            db_max_connections: raw.db_max_connections.max(2),
            public_cache_ttl: Duration::from_secs(raw.public_cache_seconds),
            payment_sandbox: raw.payment_sandbox.unwrap_or(!production),
            pdf_font,
            sms_outbox_in_production,
            identity_provider,
            transfer_window: Duration::from_secs(raw.transfer_window_days * 86_400),
            certificate_issuer,
            retention: Retention {
                public_queries_days: raw.keep_public_queries_days,
                outbox_days: raw.keep_outbox_days,
                sms_codes_days: raw.keep_sms_codes_days,
                drafts_days: raw.keep_drafts_days,
            },
        })
    }

    pub fn is_production(&self) -> bool {
        self.mode == RunMode::Production
    }

    /// Cookies carry `Secure` in production, where the site is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.is_production()
    }
}

impl RawConfig {
    fn mode(&self) -> RunMode {
        self.env
    }
}

fn random_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut bytes = vec![0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// `https://example.cn/path` → `https://example.cn`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split('/').next()?;
    if host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_defaults() {
        let config = Config::from_pairs([]).unwrap();
        assert_eq!(config.mode, RunMode::Development);
        assert!(config.database_url.starts_with("sqlite:"));
        assert!(!config.secure_cookies());
        assert_eq!(config.session_secret.expose().len(), 32);
    }

    #[test]
    fn a_named_pdf_font_must_exist() {
        let err = Config::from_pairs([("pdf_font", "/no/such/font.ttc#2")]).unwrap_err();
        assert!(err.to_string().contains("XUESHI_PDF_FONT"));
        assert_eq!(
            FontFile::parse("/fonts/a.ttc#2"),
            Some(FontFile { path: "/fonts/a.ttc".into(), face: 2 })
        );
        assert_eq!(FontFile::parse("/fonts/a.ttf").map(|f| f.face), Some(0));
        assert_eq!(FontFile::parse("/fonts/a.ttc#x"), None);
    }

    #[test]
    fn production_needs_a_secret() {
        let err = Config::from_pairs([("env", "production")]).unwrap_err();
        assert!(err.to_string().contains("XUESHI_SESSION_SECRET"));
    }

    #[test]
    fn the_payment_sandbox_is_off_in_production_unless_named() {
        let secret = "s".repeat(40);
        assert!(Config::from_pairs([]).unwrap().payment_sandbox);
        let production = [("env", "production"), ("session_secret", secret.as_str())];
        assert!(!Config::from_pairs(production).unwrap().payment_sandbox);
        let staging =
            [("env", "production"), ("session_secret", secret.as_str()), ("payment_sandbox", "true")];
        assert!(Config::from_pairs(staging).unwrap().payment_sandbox);
    }

    #[test]
    fn the_identity_sandbox_is_for_development_and_named_staging_servers() {
        let secret = "s".repeat(40);
        assert_eq!(Config::from_pairs([]).unwrap().identity_provider, IdentityProviderKind::Sandbox);
        let review = Config::from_pairs([("identity_provider", "review")]).unwrap();
        assert_eq!(review.identity_provider, IdentityProviderKind::Review);
        assert!(Config::from_pairs([("identity_provider", "nobody")]).is_err());
        let production = [("env", "production"), ("session_secret", secret.as_str())];
        assert_eq!(Config::from_pairs(production).unwrap().identity_provider, IdentityProviderKind::Review);
        let sandbox =
            [("env", "production"), ("session_secret", secret.as_str()), ("identity_provider", "sandbox")];
        assert!(Config::from_pairs(sandbox).unwrap_err().to_string().contains("XUESHI_IDENTITY_PROVIDER"));
        let staging = [
            ("env", "production"),
            ("session_secret", secret.as_str()),
            ("identity_provider", "sandbox"),
            ("identity_sandbox_in_production", "staging"),
        ];
        assert_eq!(Config::from_pairs(staging).unwrap().identity_provider, IdentityProviderKind::Sandbox);
    }

    #[test]
    fn production_refuses_fixed_captcha() {
        let secret = "s".repeat(40);
        let err = Config::from_pairs([
            ("env", "production"),
            ("session_secret", secret.as_str()),
            ("captcha_fixed", "1234"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("XUESHI_CAPTCHA_FIXED"));
    }

    #[test]
    fn production_with_secret_sets_secure_cookies() {
        let secret = "s".repeat(40);
        let config =
            Config::from_pairs([("env", "production"), ("session_secret", secret.as_str())]).unwrap();
        assert!(config.secure_cookies());
    }

    #[test]
    fn refuses_unknown_database() {
        let err = Config::from_pairs([("database_url", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("XUESHI_DATABASE_URL"));
    }

    #[test]
    fn refuses_bad_numbers() {
        assert!(Config::from_pairs([("session_idle_minutes", "abc")]).is_err());
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://Xueshi.example.cn/a"), Some("https://xueshi.example.cn".into()));
        assert_eq!(origin_of("ftp://x"), None);
    }
}
