//! Remembered devices (reference §5.8): the device key a sign-in hands out in
//! `NewDeviceMetadata`, `ConfirmDevice` with the device's own SRP verifier (sealed under the
//! master key, bound to the device), the self-service and admin operations on a user's devices,
//! and `DEVICE_SRP_AUTH` → `DEVICE_PASSWORD_VERIFIER`, which a remembered device answers instead
//! of a second factor.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;

use super::Cogito;
use super::challenge::{Challenge, ChallengeName, OpenSession, SessionState};
use super::mfa::Next;
use crate::crypto::secrets_equal;
use crate::error::{CoreError, CoreResult};
use crate::model::{Device, User, UserPool};
use crate::srp::{self, ServerSide, Verifier};
use crate::store::{DeviceConfirmation, Page, StoreError};

/// A device handed out at sign-in (`NewDeviceMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// `DeviceKey`.
    pub key: String,
    /// `DeviceGroupKey`.
    pub group_key: String,
}

fn device_context(pool_id: &str, device_key: &str) -> Vec<u8> {
    format!("cogito device verifier v1\0{pool_id}\0{device_key}").into_bytes()
}

/// `ResourceNotFoundException` with "device" in the message: the JS SDK looks for exactly this
/// to retry without the device key.
pub(crate) fn no_device() -> CoreError {
    CoreError::ResourceNotFound("Device does not exist.".into())
}

fn incorrect() -> CoreError {
    CoreError::incorrect_credentials()
}

fn b64_int(text: &str) -> CoreResult<BigUint> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| CoreError::invalid("DeviceSecretVerifierConfig is not base64."))?;
    if bytes.is_empty() {
        return Err(CoreError::invalid("DeviceSecretVerifierConfig is empty."));
    }
    Ok(BigUint::from_bytes_be(&bytes))
}

impl Cogito {
    /// A new device for a sign-in on a pool that tracks devices (stored unconfirmed).
    pub(crate) async fn hand_out_device(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> CoreResult<NewDevice> {
        let region = crate::ids::pool_region(&pool.id);
        let key = format!("{region}_{}", crate::ids::new_uuid());
        let group_key = format!("-{}", &crate::ids::new_opaque_token(9));
        let now = self.clock.now_ms();
        let device = Device {
            pool_id: pool.id.clone(),
            device_key: key.clone(),
            user_sub: user.sub.clone(),
            group_key: group_key.clone(),
            verifier: None,
            name: None,
            remembered: false,
            created_ms: now,
            modified_ms: now,
            last_auth_ms: now,
        };
        self.store
            .insert_device(&device)
            .await
            .map_err(|e| CoreError::from_store("device", e))?;
        Ok(NewDevice { key, group_key })
    }

    /// A device of the user, or `None`.
    pub(crate) async fn device_of(
        &self,
        pool: &UserPool,
        user: &User,
        key: &str,
    ) -> CoreResult<Option<Device>> {
        match self.store.get_device(&pool.id, key).await {
            Ok(d) if d.user_sub == user.sub => Ok(Some(d)),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(CoreError::from_store("device", e)),
        }
    }

    /// `ConfirmDevice`: stores the device's verifier; `true` when the user must still say
    /// whether to remember it (`UserConfirmationNecessary`).
    pub async fn confirm_device(
        &self,
        access_token: &str,
        device_key: &str,
        verifier_b64: &str,
        salt_b64: &str,
        name: Option<&str>,
    ) -> CoreResult<bool> {
        let caller = self.authorize_access_token(access_token).await?;
        let config = caller.pool.devices.ok_or_else(|| {
            CoreError::InvalidUserPoolConfiguration(
                "Device tracking is not enabled for this user pool.".into(),
            )
        })?;
        let verifier = Verifier {
            salt: b64_int(salt_b64)?,
            v: b64_int(verifier_b64)?,
        };
        let sealed = STANDARD.encode(self.sealer.seal_bound(
            &verifier.to_bytes(),
            &device_context(&caller.pool.id, device_key),
        ));
        let remembered = !config.only_remembered_on_user_prompt;
        match self
            .store
            .confirm_device(
                &caller.pool.id,
                &caller.user.sub,
                device_key,
                &DeviceConfirmation {
                    verifier: sealed,
                    name: name.map(str::to_owned),
                    remembered,
                    now_ms: self.clock.now_ms(),
                },
            )
            .await
        {
            Ok(()) => Ok(config.only_remembered_on_user_prompt),
            Err(StoreError::NotFound) => Err(no_device()),
            Err(StoreError::Conflict(_)) => Err(CoreError::DeviceKeyExists(
                "Device has already been confirmed.".into(),
            )),
            Err(e) => Err(CoreError::from_store("device", e)),
        }
    }

    /// `GetDevice` / `AdminGetDevice`: a confirmed device of the user.
    pub async fn get_device(&self, pool: &UserPool, user: &User, key: &str) -> CoreResult<Device> {
        self.device_of(pool, user, key)
            .await?
            .filter(|d| d.verifier.is_some())
            .ok_or_else(no_device)
    }

    /// `ListDevices` / `AdminListDevices`.
    pub async fn list_devices(
        &self,
        pool: &UserPool,
        user: &User,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<Device>> {
        self.store
            .list_devices(&pool.id, &user.sub, cursor, limit)
            .await
            .map_err(|e| match e {
                StoreError::Unavailable(_) => CoreError::from_store("devices", e),
                _ => CoreError::invalid("Invalid pagination token."),
            })
    }

    /// `ForgetDevice` / `AdminForgetDevice`.
    pub async fn forget_device(&self, pool: &UserPool, user: &User, key: &str) -> CoreResult<()> {
        match self.store.delete_device(&pool.id, &user.sub, key).await {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(no_device()),
            Err(e) => Err(CoreError::from_store("device", e)),
        }
    }

    /// `UpdateDeviceStatus` / `AdminUpdateDeviceStatus`.
    pub async fn update_device_status(
        &self,
        pool: &UserPool,
        user: &User,
        key: &str,
        remembered: bool,
    ) -> CoreResult<()> {
        match self
            .store
            .set_device_remembered(&pool.id, &user.sub, key, remembered, self.clock.now_ms())
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(no_device()),
            Err(e) => Err(CoreError::from_store("device", e)),
        }
    }

    /// A remembered device of the user named by a sign-in's `DEVICE_KEY`, on a pool that tracks
    /// devices.
    pub(crate) async fn remembered_device(
        &self,
        pool: &UserPool,
        user: &User,
        key: Option<&str>,
    ) -> CoreResult<Option<Device>> {
        let (Some(_), Some(key)) = (pool.devices, key) else {
            return Ok(None);
        };
        Ok(self
            .device_of(pool, user, key)
            .await?
            .filter(|d| d.verifier.is_some() && d.remembered))
    }

    /// The `DEVICE_SRP_AUTH` challenge a remembered device answers instead of a second factor.
    pub(crate) async fn device_challenge(
        &self,
        pool: &UserPool,
        client: &crate::model::AppClient,
        user: &User,
        device: &Device,
    ) -> CoreResult<Next> {
        let state = SessionState::DeviceSrp {
            device_key: device.device_key.clone(),
        };
        let session = self
            .issue_session(pool, client, user, ChallengeName::DeviceSrpAuth, &state)
            .await?;
        Ok(Next::Challenge(Challenge {
            name: ChallengeName::DeviceSrpAuth,
            session,
            parameters: BTreeMap::from([("USERNAME".into(), user.username.clone())]),
        }))
    }

    fn open_device_verifier(&self, device: &Device) -> CoreResult<Verifier> {
        let fail = || {
            CoreError::Internal(format!(
                "verifier of device {} does not open",
                device.device_key
            ))
        };
        let text = device.verifier.as_deref().ok_or_else(no_device)?;
        let sealed = STANDARD.decode(text).map_err(|_| fail())?;
        let plain = self
            .sealer
            .open_bound(
                &sealed,
                &device_context(&device.pool_id, &device.device_key),
            )
            .map_err(|_| fail())?;
        Verifier::from_bytes(&plain).ok_or_else(fail)
    }

    /// The answer to `DEVICE_SRP_AUTH` (`SRP_A`): the `DEVICE_PASSWORD_VERIFIER` challenge.
    pub(crate) async fn answer_device_srp(
        &self,
        pool: &UserPool,
        client: &crate::model::AppClient,
        open: OpenSession,
        device_key: &str,
        srp_a: &str,
    ) -> CoreResult<Next> {
        let SessionState::DeviceSrp {
            device_key: expected,
        } = &open.state
        else {
            return Err(super::challenge::session_expired());
        };
        if expected != device_key {
            return Err(no_device());
        }
        let user = self.session_user(pool, &open).await?;
        let device = self
            .remembered_device(pool, &user, Some(device_key))
            .await?
            .ok_or_else(no_device)?;
        let a = srp::parse_a(srp_a).map_err(|_| CoreError::invalid("Invalid SRP_A."))?;
        let verifier = self.open_device_verifier(&device)?;
        let (b, big_b) = srp::server_ephemeral(&verifier.v);
        let mut block = [0u8; 32];
        crate::crypto::fill_random(&mut block);
        let block = STANDARD.encode(block);
        self.close_session(&open).await?;
        let state = SessionState::DeviceVerifier {
            device_key: device_key.to_owned(),
            a: a.to_str_radix(16),
            b: b.to_str_radix(16),
            big_b: big_b.to_str_radix(16),
            block: block.clone(),
        };
        let session = self
            .issue_session(
                pool,
                client,
                &user,
                ChallengeName::DevicePasswordVerifier,
                &state,
            )
            .await?;
        let parameters = BTreeMap::from([
            ("USERNAME".to_string(), user.username.clone()),
            ("DEVICE_KEY".to_string(), device_key.to_owned()),
            ("SALT".to_string(), hex::encode(srp::pad(&verifier.salt))),
            ("SRP_B".to_string(), big_b.to_str_radix(16)),
            ("SECRET_BLOCK".to_string(), block),
        ]);
        Ok(Next::Challenge(Challenge {
            name: ChallengeName::DevicePasswordVerifier,
            session,
            parameters,
        }))
    }

    /// The answer to `DEVICE_PASSWORD_VERIFIER`: the device's SRP proof, with the device group
    /// key as realm and the device key as user id.
    pub(crate) async fn answer_device_verifier(
        &self,
        pool: &UserPool,
        open: OpenSession,
        claim: &DeviceClaim,
    ) -> CoreResult<(User, String)> {
        let SessionState::DeviceVerifier {
            device_key,
            a,
            b,
            big_b,
            block,
        } = &open.state
        else {
            return Err(super::challenge::session_expired());
        };
        if *device_key != claim.device_key {
            return Err(no_device());
        }
        let user = self.session_user(pool, &open).await?;
        let device = self
            .remembered_device(pool, &user, Some(device_key))
            .await?
            .ok_or_else(no_device)?;
        if !secrets_equal(block.as_bytes(), claim.block.as_bytes()) {
            return Err(incorrect());
        }
        self.check_claim_time(&claim.timestamp)?;
        let verifier = self.open_device_verifier(&device)?;
        let int = |t: &str| BigUint::parse_bytes(t.as_bytes(), 16).ok_or_else(incorrect);
        let (a, b, big_b) = (int(a)?, int(b)?, int(big_b)?);
        let side = ServerSide {
            a: &a,
            b: &b,
            big_b: &big_b,
            v: &verifier.v,
        };
        let block_bytes = STANDARD.decode(block).map_err(|_| incorrect())?;
        let expected = srp::expected_signature(
            &side,
            &device.group_key,
            &device.device_key,
            &block_bytes,
            &claim.timestamp,
        )
        .ok_or_else(incorrect)?;
        let presented = STANDARD.decode(&claim.signature).unwrap_or_default();
        if !secrets_equal(&presented, &expected) {
            return Err(incorrect());
        }
        self.close_session(&open).await?;
        self.sign_in_gates(&user)?;
        let _ = self
            .store
            .touch_device(&pool.id, &device.device_key, self.clock.now_ms())
            .await;
        Ok((user, device.device_key))
    }
}

/// The `DEVICE_PASSWORD_VERIFIER` answer.
#[derive(Debug, Clone)]
pub(crate) struct DeviceClaim {
    pub device_key: String,
    pub block: String,
    pub signature: String,
    pub timestamp: String,
}
