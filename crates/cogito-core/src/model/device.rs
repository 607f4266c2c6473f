//! Remembered devices (reference §5.8): a device key handed out at sign-in, confirmed with its
//! own SRP verifier, and remembered or not.

/// A device of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Pool.
    pub pool_id: String,
    /// `DeviceKey`: `<region>_<uuid>`.
    pub device_key: String,
    /// The user's `sub`.
    pub user_sub: String,
    /// `DeviceGroupKey` (the SRP realm of the device).
    pub group_key: String,
    /// The device's SRP salt and verifier (`ConfirmDevice`), sealed; `None` until confirmed.
    pub verifier: Option<String>,
    /// `device_name`.
    pub name: Option<String>,
    /// `remembered` / `not_remembered`.
    pub remembered: bool,
    /// Creation, epoch ms.
    pub created_ms: i64,
    /// Last change, epoch ms.
    pub modified_ms: i64,
    /// Last sign-in on the device, epoch ms.
    pub last_auth_ms: i64,
}

/// `DeviceConfiguration` of a pool: device tracking is on when a pool has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceConfig {
    /// `ChallengeRequiredOnNewDevice`.
    pub challenge_required_on_new_device: bool,
    /// `DeviceOnlyRememberedOnUserPrompt`: devices start not remembered.
    pub only_remembered_on_user_prompt: bool,
}
