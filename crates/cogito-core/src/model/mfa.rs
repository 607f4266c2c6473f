//! Multi-factor authentication (reference §5.2 step 8, §5.3): the factors, a pool's MFA
//! settings and a user's.

/// A second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MfaFactor {
    /// A code sent by SMS (`SMS_MFA`).
    Sms,
    /// A TOTP code from an authenticator app (`SOFTWARE_TOKEN_MFA`).
    Totp,
    /// A code sent by e-mail (`EMAIL_OTP`).
    Email,
}

impl MfaFactor {
    /// Every factor, in the order Cognito lists them.
    pub const ALL: [Self; 3] = [Self::Sms, Self::Totp, Self::Email];

    /// Cognito's name, as a challenge and in `UserMFASettingList`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "SMS_MFA",
            Self::Totp => "SOFTWARE_TOKEN_MFA",
            Self::Email => "EMAIL_OTP",
        }
    }

    /// Parses Cognito's name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// `MfaConfiguration` of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MfaMode {
    /// No second factor.
    #[default]
    Off,
    /// A second factor for users who turned one on.
    Optional,
    /// A second factor for everyone; users without one set it up at sign-in.
    On,
}

impl MfaMode {
    /// Cognito's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "OFF",
            Self::Optional => "OPTIONAL",
            Self::On => "ON",
        }
    }

    /// Parses Cognito's name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Off, Self::Optional, Self::On]
            .into_iter()
            .find(|m| m.as_str() == name)
    }
}

/// The e-mail of `EMAIL_OTP` (`EmailMfaConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMfaTemplate {
    /// Subject.
    pub subject: String,
    /// Body with `{####}`.
    pub message: String,
}

/// Default subject of an `EMAIL_OTP` message.
pub const DEFAULT_EMAIL_MFA_SUBJECT: &str = "Your sign-in code";
/// Default text of an `SMS_MFA` or `EMAIL_OTP` message.
pub const DEFAULT_MFA_MESSAGE: &str = "Your authentication code is {####}. ";

/// Which factors a pool offers (set with `SetUserPoolMfaConfig`; SMS also follows the pool's
/// `SmsConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PoolMfa {
    /// SMS codes are offered (`SmsMfaConfiguration` / `SmsConfiguration` given).
    pub sms: bool,
    /// `SmsAuthenticationMessage` (default [`DEFAULT_MFA_MESSAGE`]).
    pub sms_message: Option<String>,
    /// TOTP is offered (`SoftwareTokenMfaConfiguration.Enabled`).
    pub totp: bool,
    /// E-mail codes are offered, with this message (`EmailMfaConfiguration`).
    pub email: Option<EmailMfaTemplate>,
}

impl PoolMfa {
    /// Whether the pool offers a factor.
    pub fn offers(&self, factor: MfaFactor) -> bool {
        match factor {
            MfaFactor::Sms => self.sms,
            MfaFactor::Totp => self.totp,
            MfaFactor::Email => self.email.is_some(),
        }
    }
}

/// A user's MFA settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserMfa {
    /// SMS MFA turned on.
    pub sms: bool,
    /// TOTP MFA turned on.
    pub totp: bool,
    /// E-mail MFA turned on.
    pub email: bool,
    /// The preferred factor.
    pub preferred: Option<MfaFactor>,
    /// The verified TOTP secret, sealed and bound to the user.
    pub totp_secret: Option<String>,
    /// A TOTP secret being set up (`AssociateSoftwareToken`), sealed and bound to the user.
    pub totp_pending: Option<String>,
    /// The last TOTP time step accepted (a code is accepted once).
    pub totp_last_step: Option<i64>,
}

impl UserMfa {
    /// Whether the user turned a factor on.
    pub fn enabled(&self, factor: MfaFactor) -> bool {
        match factor {
            MfaFactor::Sms => self.sms,
            MfaFactor::Totp => self.totp,
            MfaFactor::Email => self.email,
        }
    }
}

/// A change of a user's MFA settings (`SetUserMFAPreference`): `None` leaves a factor alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MfaPreference {
    /// Turn SMS MFA on or off.
    pub sms: Option<bool>,
    /// Turn TOTP MFA on or off.
    pub totp: Option<bool>,
    /// Turn e-mail MFA on or off.
    pub email: Option<bool>,
    /// Make this factor the preferred one.
    pub prefer: Option<MfaFactor>,
}

impl MfaPreference {
    /// The change for one factor.
    pub fn turn(&mut self, factor: MfaFactor, on: bool) {
        let slot = match factor {
            MfaFactor::Sms => &mut self.sms,
            MfaFactor::Totp => &mut self.totp,
            MfaFactor::Email => &mut self.email,
        };
        *slot = Some(on);
    }

    /// Applies the change to settings (what the store's single UPDATE computes): a factor
    /// turned off stops being preferred.
    pub fn apply(&self, mfa: &mut UserMfa) {
        mfa.sms = self.sms.unwrap_or(mfa.sms);
        mfa.totp = self.totp.unwrap_or(mfa.totp);
        mfa.email = self.email.unwrap_or(mfa.email);
        if let Some(p) = self.prefer {
            mfa.preferred = Some(p);
        }
        if mfa.preferred.is_some_and(|p| !mfa.enabled(p)) {
            mfa.preferred = None;
        }
    }
}
