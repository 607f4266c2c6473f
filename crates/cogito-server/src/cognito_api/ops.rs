//! The dispatch table: the single source of truth for which Cognito operations cogito serves.
//! The README's compatibility table is generated from it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cogito_core::service::Cogito;
use serde_json::Value;

use super::{
    admin_users, auth, clients, devices, domains, groups, import_jobs, mfa, pools, public,
    resource_servers, self_service, ui_customization,
};
use crate::error::ApiError;

/// The future an operation handler returns.
pub type OpFuture = Pin<Box<dyn Future<Output = Result<Value, ApiError>> + Send>>;

/// One served operation.
#[derive(Clone, Copy)]
pub struct Op {
    /// Operation name (`X-Amz-Target` suffix).
    pub name: &'static str,
    /// Handler.
    pub call: fn(Arc<Cogito>, Value) -> OpFuture,
}

macro_rules! op {
    ($name:literal, $f:path) => {
        Op {
            name: $name,
            call: |core, input| Box::pin($f(core, input)),
        }
    };
}

/// Every operation cogito serves, sorted by name.
pub static OPERATIONS: &[Op] = &[
    op!("AddCustomAttributes", pools::add_custom_attributes),
    op!("AdminAddUserToGroup", groups::admin_add_user_to_group),
    op!("AdminConfirmSignUp", admin_users::admin_confirm_sign_up),
    op!("AdminCreateUser", admin_users::admin_create_user),
    op!("AdminDeleteUser", admin_users::admin_delete_user),
    op!(
        "AdminDeleteUserAttributes",
        admin_users::admin_delete_user_attributes
    ),
    op!("AdminDisableUser", admin_users::admin_disable_user),
    op!("AdminEnableUser", admin_users::admin_enable_user),
    op!("AdminForgetDevice", devices::forget_device),
    op!("AdminGetDevice", devices::get_device),
    op!("AdminGetUser", admin_users::admin_get_user),
    op!("AdminInitiateAuth", auth::admin_initiate_auth),
    op!("AdminListDevices", devices::list_devices),
    op!("AdminListGroupsForUser", groups::admin_list_groups_for_user),
    op!(
        "AdminRemoveUserFromGroup",
        groups::admin_remove_user_from_group
    ),
    op!(
        "AdminResetUserPassword",
        admin_users::admin_reset_user_password
    ),
    op!(
        "AdminRespondToAuthChallenge",
        auth::admin_respond_to_auth_challenge
    ),
    op!("AdminSetUserMFAPreference", mfa::set_user_mfa_preference),
    op!("AdminSetUserPassword", admin_users::admin_set_user_password),
    op!("AdminSetUserSettings", mfa::set_user_settings),
    op!("AdminUpdateDeviceStatus", devices::update_device_status),
    op!(
        "AdminUpdateUserAttributes",
        admin_users::admin_update_user_attributes
    ),
    op!(
        "AdminUserGlobalSignOut",
        admin_users::admin_user_global_sign_out
    ),
    op!("AssociateSoftwareToken", mfa::associate_software_token),
    op!("ChangePassword", self_service::change_password),
    op!("ConfirmDevice", devices::confirm_device),
    op!("ConfirmForgotPassword", public::confirm_forgot_password),
    op!("ConfirmSignUp", public::confirm_sign_up),
    op!("CreateGroup", groups::create_group),
    op!(
        "CreateResourceServer",
        resource_servers::create_resource_server
    ),
    op!("CreateUserImportJob", import_jobs::create_user_import_job),
    op!("CreateUserPool", pools::create_user_pool),
    op!("CreateUserPoolClient", clients::create_user_pool_client),
    op!("CreateUserPoolDomain", domains::create_user_pool_domain),
    op!("DeleteGroup", groups::delete_group),
    op!(
        "DeleteResourceServer",
        resource_servers::delete_resource_server
    ),
    op!("DeleteUser", self_service::delete_user),
    op!("DeleteUserAttributes", self_service::delete_user_attributes),
    op!("DeleteUserPool", pools::delete_user_pool),
    op!("DeleteUserPoolClient", clients::delete_user_pool_client),
    op!("DeleteUserPoolDomain", domains::delete_user_pool_domain),
    op!(
        "DescribeResourceServer",
        resource_servers::describe_resource_server
    ),
    op!(
        "DescribeUserImportJob",
        import_jobs::describe_user_import_job
    ),
    op!("DescribeUserPool", pools::describe_user_pool),
    op!("DescribeUserPoolClient", clients::describe_user_pool_client),
    op!("DescribeUserPoolDomain", domains::describe_user_pool_domain),
    op!("ForgetDevice", devices::forget_device),
    op!("ForgotPassword", public::forgot_password),
    op!("GetCSVHeader", import_jobs::get_csv_header),
    op!("GetDevice", devices::get_device),
    op!("GetGroup", groups::get_group),
    op!(
        "GetTokensFromRefreshToken",
        auth::get_tokens_from_refresh_token
    ),
    op!("GetUICustomization", ui_customization::get_ui_customization),
    op!("GetUser", self_service::get_user),
    op!(
        "GetUserAttributeVerificationCode",
        self_service::get_user_attribute_verification_code
    ),
    op!("GetUserPoolMfaConfig", mfa::get_user_pool_mfa_config),
    op!("GlobalSignOut", self_service::global_sign_out),
    op!("InitiateAuth", auth::initiate_auth),
    op!("ListDevices", devices::list_devices),
    op!("ListGroups", groups::list_groups),
    op!(
        "ListResourceServers",
        resource_servers::list_resource_servers
    ),
    op!("ListUserImportJobs", import_jobs::list_user_import_jobs),
    op!("ListUserPoolClients", clients::list_user_pool_clients),
    op!("ListUserPools", pools::list_user_pools),
    op!("ListUsers", admin_users::list_users),
    op!("ListUsersInGroup", groups::list_users_in_group),
    op!("ResendConfirmationCode", public::resend_confirmation_code),
    op!("RespondToAuthChallenge", auth::respond_to_auth_challenge),
    op!("RevokeToken", auth::revoke_token),
    op!("SetUICustomization", ui_customization::set_ui_customization),
    op!("SetUserMFAPreference", mfa::set_user_mfa_preference),
    op!("SetUserPoolMfaConfig", mfa::set_user_pool_mfa_config),
    op!("SetUserSettings", mfa::set_user_settings),
    op!("SignUp", public::sign_up),
    op!("StartUserImportJob", import_jobs::start_user_import_job),
    op!("StopUserImportJob", import_jobs::stop_user_import_job),
    op!("UpdateDeviceStatus", devices::update_device_status),
    op!("UpdateGroup", groups::update_group),
    op!(
        "UpdateResourceServer",
        resource_servers::update_resource_server
    ),
    op!("UpdateUserAttributes", self_service::update_user_attributes),
    op!("UpdateUserPool", pools::update_user_pool),
    op!("UpdateUserPoolClient", clients::update_user_pool_client),
    op!("UpdateUserPoolDomain", domains::update_user_pool_domain),
    op!("VerifySoftwareToken", mfa::verify_software_token),
    op!("VerifyUserAttribute", self_service::verify_user_attribute),
];

/// Looks up an operation.
pub fn find(name: &str) -> Option<&'static Op> {
    OPERATIONS
        .binary_search_by(|op| op.name.cmp(name))
        .ok()
        .map(|i| &OPERATIONS[i])
}

/// The README's compatibility table: every operation of the service model, whether cogito
/// serves it, and how callers are authenticated.
pub fn compat_table() -> String {
    let mut out = String::from("| Operation | Served | Caller authentication |\n|---|---|---|\n");
    let model = cogito_model::model();
    let served = OPERATIONS.len();
    for op in model.operations() {
        let status = if find(&op.name).is_some() {
            "yes"
        } else {
            "not yet"
        };
        let auth = if op.public {
            "public (client id / access token)"
        } else {
            "SigV4 (admin credentials)"
        };
        out.push_str(&format!("| `{}` | {status} | {auth} |\n", op.name));
    }
    out.push_str(&format!(
        "\n{served} of {} operations served.\n",
        model.operations().count()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_every_operation_is_in_the_model() {
        assert!(OPERATIONS.windows(2).all(|w| w[0].name < w[1].name));
        for op in OPERATIONS {
            assert!(
                cogito_model::model().operation(op.name).is_some(),
                "{} not in the model",
                op.name
            );
        }
    }
}
