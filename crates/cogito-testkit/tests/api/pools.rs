//! User pools: `CreateUserPool` defaults (reference §8.5), custom schema attributes,
//! `DescribeUserPool`, full-replacement `UpdateUserPool`, `DeleteUserPool` with deletion
//! protection, `ListUserPools` pagination, `AddCustomAttributes`, and the errors of §7.

use std::collections::HashSet;

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{
    AdminCreateUserConfigType, AliasAttributeType, AttributeDataType, DefaultEmailOptionType,
    DeletionProtectionType, EmailSendingAccountType, MessageTemplateType,
    NumberAttributeConstraintsType, PasswordPolicyType, SchemaAttributeType,
    StringAttributeConstraintsType, UserPoolMfaType, UserPoolPolicyType, UserPoolTierType,
    UserPoolType, UsernameAttributeType, UsernameConfigurationType,
    VerificationMessageTemplateType, VerifiedAttributeType,
};

use crate::helpers::{confirmed_user, err};

const PW: &str = "Passw0rd!";

async fn describe(app: &TestApp, pool: &str) -> UserPoolType {
    app.sdk
        .describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .expect("pool")
}

fn schema_attr(pool: &UserPoolType, name: &str) -> SchemaAttributeType {
    pool.schema_attributes()
        .iter()
        .find(|a| a.name() == Some(name))
        .unwrap_or_else(|| panic!("{name} in SchemaAttributes"))
        .clone()
}

fn custom(name: &str, t: AttributeDataType) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(t)
        .build()
}

fn not_found(pool: &str) -> (String, String) {
    (
        "ResourceNotFoundException".into(),
        format!("User pool {pool} does not exist."),
    )
}

const MISSING: &str = "us-east-1_NoSuchPool";

#[tokio::test]
async fn create_with_only_a_name_applies_the_reference_defaults() {
    let app = TestApp::spawn().await;
    let p = app
        .sdk
        .create_user_pool()
        .pool_name("defaults")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();

    let id = p.id().unwrap();
    let (region, suffix) = id.split_once('_').expect("<region>_<suffix>");
    assert_eq!(region, "us-east-1");
    assert!(
        !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_alphanumeric()),
        "{id}"
    );
    assert_eq!(p.name(), Some("defaults"));
    assert_eq!(
        p.arn().unwrap(),
        format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}")
    );
    assert!(p.creation_date().is_some() && p.last_modified_date().is_some());

    let pp = p
        .policies()
        .and_then(|x| x.password_policy())
        .expect("password policy");
    assert_eq!(pp.minimum_length(), Some(8));
    assert!(
        pp.require_uppercase()
            && pp.require_lowercase()
            && pp.require_numbers()
            && pp.require_symbols()
    );
    assert_eq!(pp.temporary_password_validity_days(), 7);

    assert_eq!(p.mfa_configuration(), Some(&UserPoolMfaType::Off));
    assert_eq!(
        p.deletion_protection(),
        Some(&DeletionProtectionType::Inactive)
    );
    assert_eq!(p.user_pool_tier(), Some(&UserPoolTierType::Essentials));
    assert!(p.lambda_config().is_some());
    assert_eq!(
        p.email_configuration()
            .and_then(|e| e.email_sending_account()),
        Some(&EmailSendingAccountType::CognitoDefault)
    );
    assert_eq!(p.estimated_number_of_users(), 0);
    assert!(p.auto_verified_attributes().is_empty());
    assert!(p.alias_attributes().is_empty() && p.username_attributes().is_empty());

    let v = p
        .verification_message_template()
        .expect("verification template");
    assert_eq!(v.sms_message(), Some("Your verification code is {####}. "));
    assert_eq!(
        v.email_message(),
        Some("Your verification code is {####}. ")
    );
    assert_eq!(v.email_subject(), Some("Your verification code"));
    assert_eq!(
        v.default_email_option(),
        Some(&DefaultEmailOptionType::ConfirmWithCode)
    );
    assert_eq!(
        p.email_verification_message(),
        Some("Your verification code is {####}. ")
    );
    assert_eq!(
        p.email_verification_subject(),
        Some("Your verification code")
    );
    assert_eq!(
        p.sms_verification_message(),
        Some("Your verification code is {####}. ")
    );

    let acu = p.admin_create_user_config().expect("AdminCreateUserConfig");
    assert!(!acu.allow_admin_create_user_only());
    assert_eq!(acu.unused_account_validity_days(), 7);
    let invite = acu.invite_message_template().expect("invite template");
    assert_eq!(
        invite.sms_message(),
        Some("Your username is {username} and temporary password is {####}. ")
    );
    assert_eq!(
        invite.email_message(),
        Some("Your username is {username} and temporary password is {####}. ")
    );
    assert_eq!(invite.email_subject(), Some("Your temporary password"));
}

#[tokio::test]
async fn default_schema_lists_the_standard_attributes() {
    let app = TestApp::spawn().await;
    let p = app
        .sdk
        .create_user_pool()
        .pool_name("schema")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let names: HashSet<&str> = p
        .schema_attributes()
        .iter()
        .filter_map(|a| a.name())
        .collect();
    for n in [
        "sub",
        "name",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "email",
        "email_verified",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "phone_number",
        "phone_number_verified",
        "address",
        "updated_at",
    ] {
        assert!(
            names.contains(n),
            "standard attribute {n} missing from {names:?}"
        );
    }
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("custom:") || n.starts_with("dev:"))
    );

    let sub = schema_attr(&p, "sub");
    assert_eq!(sub.attribute_data_type(), Some(&AttributeDataType::String));
    assert_eq!((sub.required(), sub.mutable()), (Some(true), Some(false)));
    let c = sub.string_attribute_constraints().expect("sub length");
    assert_eq!((c.min_length(), c.max_length()), (Some("1"), Some("2048")));

    let email = schema_attr(&p, "email");
    assert_eq!(
        email.attribute_data_type(),
        Some(&AttributeDataType::String)
    );
    assert_eq!(
        (email.required(), email.mutable()),
        (Some(false), Some(true))
    );
    let c = email.string_attribute_constraints().expect("email length");
    assert_eq!((c.min_length(), c.max_length()), (Some("0"), Some("2048")));

    for b in ["email_verified", "phone_number_verified"] {
        assert_eq!(
            schema_attr(&p, b).attribute_data_type(),
            Some(&AttributeDataType::Boolean),
            "{b}"
        );
    }
    let bd = schema_attr(&p, "birthdate");
    let c = bd.string_attribute_constraints().expect("birthdate length");
    assert_eq!((c.min_length(), c.max_length()), (Some("10"), Some("10")));
    let ua = schema_attr(&p, "updated_at");
    assert_eq!(ua.attribute_data_type(), Some(&AttributeDataType::Number));
    assert_eq!(
        ua.number_attribute_constraints()
            .and_then(|c| c.min_value()),
        Some("0")
    );
}

#[tokio::test]
async fn custom_schema_attributes_appear_with_their_prefix() {
    let app = TestApp::spawn().await;
    let p = app
        .sdk
        .create_user_pool()
        .pool_name("custom")
        .schema(
            SchemaAttributeType::builder()
                .name("tenant")
                .attribute_data_type(AttributeDataType::String)
                .mutable(false)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .min_length("1")
                        .max_length("64")
                        .build(),
                )
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("age")
                .attribute_data_type(AttributeDataType::Number)
                .number_attribute_constraints(
                    NumberAttributeConstraintsType::builder()
                        .min_value("0")
                        .max_value("150")
                        .build(),
                )
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("internal")
                .attribute_data_type(AttributeDataType::String)
                .developer_only_attribute(true)
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("email")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();

    let tenant = schema_attr(&p, "custom:tenant");
    assert_eq!(
        tenant.attribute_data_type(),
        Some(&AttributeDataType::String)
    );
    assert_eq!(tenant.mutable(), Some(false));
    assert_eq!(tenant.required(), Some(false));
    let c = tenant
        .string_attribute_constraints()
        .expect("constraints echoed");
    assert_eq!((c.min_length(), c.max_length()), (Some("1"), Some("64")));

    let age = schema_attr(&p, "custom:age");
    assert_eq!(age.attribute_data_type(), Some(&AttributeDataType::Number));
    let c = age
        .number_attribute_constraints()
        .expect("number constraints echoed");
    assert_eq!((c.min_value(), c.max_value()), (Some("0"), Some("150")));

    assert_eq!(
        schema_attr(&p, "dev:internal").developer_only_attribute(),
        Some(true)
    );
    assert!(
        p.schema_attributes()
            .iter()
            .all(|a| !matches!(a.name(), Some("tenant" | "age" | "internal")))
    );
    // A standard attribute in `Schema` is made required rather than duplicated.
    assert_eq!(schema_attr(&p, "email").required(), Some(true));
    assert_eq!(
        p.schema_attributes()
            .iter()
            .filter(|a| a.name() == Some("email"))
            .count(),
        1
    );

    // Describe returns the same schema.
    let d = describe(&app, p.id().unwrap()).await;
    assert_eq!(d.schema_attributes(), p.schema_attributes());
}

#[tokio::test]
async fn invalid_custom_attributes_are_refused_at_creation() {
    let app = TestApp::spawn().await;
    let long = app
        .sdk
        .create_user_pool()
        .pool_name("p")
        .schema(custom(
            "this_name_is_longer_than_20",
            AttributeDataType::String,
        ))
        .send()
        .await;
    assert_eq!(err(long).0, "InvalidParameterException");
    let required = app
        .sdk
        .create_user_pool()
        .pool_name("p")
        .schema(
            SchemaAttributeType::builder()
                .name("tenant")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .build(),
        )
        .send()
        .await;
    assert_eq!(err(required).0, "InvalidParameterException");
    let pools = app
        .sdk
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert!(
        pools.user_pools().is_empty(),
        "refused pools must not be created"
    );
}

#[tokio::test]
async fn describe_counts_users() {
    let app = TestApp::spawn().await;
    let pool = app.pool("counted").await;
    let d = describe(&app, &pool).await;
    assert_eq!(d.id(), Some(pool.as_str()));
    assert_eq!(d.name(), Some("counted"));
    assert_eq!(
        d.auto_verified_attributes(),
        &[VerifiedAttributeType::Email]
    );
    assert_eq!(d.estimated_number_of_users(), 0);

    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carol")
        .send()
        .await
        .unwrap();
    assert_eq!(describe(&app, &pool).await.estimated_number_of_users(), 3);

    app.sdk
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(describe(&app, &pool).await.estimated_number_of_users(), 2);

    // Users of another pool are not counted.
    let other = app.pool("other").await;
    confirmed_user(&app, &other, "dave", PW).await;
    assert_eq!(describe(&app, &pool).await.estimated_number_of_users(), 2);
    assert_eq!(describe(&app, &other).await.estimated_number_of_users(), 1);
}

#[tokio::test]
async fn username_and_alias_attributes_are_echoed() {
    let app = TestApp::spawn().await;
    let a = app
        .sdk
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(AliasAttributeType::Email)
        .alias_attributes(AliasAttributeType::PreferredUsername)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(
        a.alias_attributes(),
        &[
            AliasAttributeType::Email,
            AliasAttributeType::PreferredUsername
        ]
    );
    assert!(a.username_attributes().is_empty());
    let u = app
        .sdk
        .create_user_pool()
        .pool_name("username")
        .username_attributes(UsernameAttributeType::Email)
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(u.username_attributes(), &[UsernameAttributeType::Email]);
    assert!(u.alias_attributes().is_empty());
    let d = describe(&app, u.id().unwrap()).await;
    assert_eq!(d.username_attributes(), &[UsernameAttributeType::Email]);
    assert_eq!(
        d.username_configuration().map(|c| c.case_sensitive()),
        Some(false)
    );
}

#[tokio::test]
async fn username_attributes_and_alias_attributes_together_are_refused() {
    let app = TestApp::spawn().await;
    let r = app
        .sdk
        .create_user_pool()
        .pool_name("both")
        .username_attributes(UsernameAttributeType::Email)
        .alias_attributes(AliasAttributeType::PreferredUsername)
        .send()
        .await;
    let (code, message) = err(r);
    assert_eq!(code, "InvalidParameterException");
    assert!(!message.is_empty());
    let pools = app
        .sdk
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert!(pools.user_pools().is_empty());
}

#[tokio::test]
async fn mfa_on_without_sms_configuration_is_refused() {
    let app = TestApp::spawn().await;
    for mfa in [UserPoolMfaType::On, UserPoolMfaType::Optional] {
        let r = app
            .sdk
            .create_user_pool()
            .pool_name("mfa")
            .mfa_configuration(mfa)
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException");
    }
}

#[tokio::test]
async fn templates_without_the_code_placeholder_are_refused() {
    let app = TestApp::spawn().await;
    let r = app
        .sdk
        .create_user_pool()
        .pool_name("t")
        .verification_message_template(
            VerificationMessageTemplateType::builder()
                .email_message("no code here")
                .build(),
        )
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn update_is_a_full_replacement() {
    let app = TestApp::spawn().await;
    let created = app
        .sdk
        .create_user_pool()
        .pool_name("full")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_uppercase(false)
                        .require_lowercase(false)
                        .require_numbers(false)
                        .require_symbols(false)
                        .temporary_password_validity_days(3)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .alias_attributes(AliasAttributeType::Email)
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .schema(custom("tenant", AttributeDataType::String))
        .deletion_protection(DeletionProtectionType::Active)
        .verification_message_template(
            VerificationMessageTemplateType::builder()
                .email_subject("Custom subject")
                .email_message("Custom body {####}")
                .build(),
        )
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .invite_message_template(
                    MessageTemplateType::builder()
                        .email_subject("Welcome")
                        .email_message("Hi {username}, use {####}")
                        .sms_message("Hi {username}, use {####}")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let pool = created.id().unwrap().to_string();
    let before = describe(&app, &pool).await;
    assert_eq!(
        before
            .policies()
            .unwrap()
            .password_policy()
            .unwrap()
            .minimum_length(),
        Some(12)
    );
    assert_eq!(
        before.deletion_protection(),
        Some(&DeletionProtectionType::Active)
    );
    assert_eq!(
        before
            .verification_message_template()
            .unwrap()
            .email_subject(),
        Some("Custom subject")
    );
    assert!(
        before
            .admin_create_user_config()
            .unwrap()
            .allow_admin_create_user_only()
    );

    app.clock.advance_secs(120);
    // Only one setting is given: everything else mutable reverts to its default.
    app.sdk
        .update_user_pool()
        .user_pool_id(&pool)
        .verification_message_template(
            VerificationMessageTemplateType::builder()
                .email_subject("New subject")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let after = describe(&app, &pool).await;

    let pp = after.policies().unwrap().password_policy().unwrap();
    assert_eq!(pp.minimum_length(), Some(8));
    assert!(
        pp.require_uppercase()
            && pp.require_lowercase()
            && pp.require_numbers()
            && pp.require_symbols()
    );
    assert_eq!(pp.temporary_password_validity_days(), 7);
    assert!(after.auto_verified_attributes().is_empty());
    assert_eq!(
        after.deletion_protection(),
        Some(&DeletionProtectionType::Inactive)
    );
    assert_eq!(after.mfa_configuration(), Some(&UserPoolMfaType::Off));
    let v = after.verification_message_template().unwrap();
    assert_eq!(v.email_subject(), Some("New subject"));
    assert_eq!(
        v.email_message(),
        Some("Your verification code is {####}. ")
    );
    let acu = after.admin_create_user_config().unwrap();
    assert!(!acu.allow_admin_create_user_only());
    let invite = acu.invite_message_template().unwrap();
    assert_eq!(invite.email_subject(), Some("Your temporary password"));
    assert_eq!(
        invite.email_message(),
        Some("Your username is {username} and temporary password is {####}. ")
    );

    // Immutable settings stay.
    assert_eq!(after.name(), Some("full"));
    assert_eq!(after.alias_attributes(), &[AliasAttributeType::Email]);
    assert_eq!(
        after.username_configuration().map(|c| c.case_sensitive()),
        Some(false)
    );
    assert_eq!(after.schema_attributes(), before.schema_attributes());
    assert!(
        after
            .schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:tenant"))
    );
    assert_eq!(after.creation_date(), before.creation_date());
    let (c, m) = (
        before.last_modified_date().unwrap().secs(),
        after.last_modified_date().unwrap().secs(),
    );
    assert!(m >= c + 120, "LastModifiedDate must move: {c} → {m}");
}

#[tokio::test]
async fn update_applies_the_given_settings() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("u")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    app.sdk
        .update_user_pool()
        .user_pool_id(&pool)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(10)
                        .require_numbers(true)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap();
    let d = describe(&app, &pool).await;
    let pp = d.policies().unwrap().password_policy().unwrap();
    assert_eq!(pp.minimum_length(), Some(10));
    assert!(pp.require_numbers());
    assert!(!pp.require_uppercase() && !pp.require_lowercase() && !pp.require_symbols());
    assert_eq!(
        d.auto_verified_attributes(),
        &[VerifiedAttributeType::Email]
    );
    assert_eq!(
        d.deletion_protection(),
        Some(&DeletionProtectionType::Active)
    );

    // The new policy is enforced.
    let r = app
        .sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("short")
        .temporary_password("Ab1!")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidPasswordException");
}

#[tokio::test]
async fn update_refuses_invalid_templates_and_keeps_the_pool() {
    let app = TestApp::spawn().await;
    let pool = app.pool("keep").await;
    let r = app
        .sdk
        .update_user_pool()
        .user_pool_id(&pool)
        .verification_message_template(
            VerificationMessageTemplateType::builder()
                .sms_message("no placeholder")
                .build(),
        )
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    // Nothing changed.
    assert_eq!(
        describe(&app, &pool).await.auto_verified_attributes(),
        &[VerifiedAttributeType::Email]
    );
}

#[tokio::test]
async fn delete_pool_then_it_is_gone() {
    let app = TestApp::spawn().await;
    let pool = app.pool("doomed").await;
    let keep = app.pool("kept").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();

    assert_eq!(
        err(app
            .sdk
            .describe_user_pool()
            .user_pool_id(&pool)
            .send()
            .await),
        not_found(&pool)
    );
    assert_eq!(
        err(app.sdk.delete_user_pool().user_pool_id(&pool).send().await),
        not_found(&pool)
    );
    let r = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");
    let listed = app
        .sdk
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed.user_pools().iter().filter_map(|p| p.id()).collect();
    assert_eq!(ids, vec![keep.as_str()]);
}

#[tokio::test]
async fn deletion_protection_blocks_delete() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("protected")
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(
        pool.deletion_protection(),
        Some(&DeletionProtectionType::Active)
    );
    let pool = pool.id.unwrap();
    let (code, message) = err(app.sdk.delete_user_pool().user_pool_id(&pool).send().await);
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.to_lowercase().contains("deletion protection"),
        "{message}"
    );
    assert_eq!(describe(&app, &pool).await.id(), Some(pool.as_str()));

    app.sdk
        .update_user_pool()
        .user_pool_id(&pool)
        .deletion_protection(DeletionProtectionType::Inactive)
        .send()
        .await
        .unwrap();
    app.sdk
        .delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        err(app
            .sdk
            .describe_user_pool()
            .user_pool_id(&pool)
            .send()
            .await),
        not_found(&pool)
    );
}

#[tokio::test]
async fn list_pools_paginates_with_max_results_and_next_token() {
    let app = TestApp::spawn().await;
    let mut created = HashSet::new();
    for i in 0..7 {
        created.insert(app.pool(&format!("pool-{i}")).await);
    }
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let r = app
            .sdk
            .list_user_pools()
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(r.user_pools().len());
        for p in r.user_pools() {
            assert!(p.name().unwrap().starts_with("pool-"));
            assert!(p.creation_date().is_some() && p.last_modified_date().is_some());
            seen.push(p.id().unwrap().to_string());
        }
        token = r.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not end");
    }
    assert_eq!(pages, vec![3, 3, 1]);
    assert_eq!(seen.len(), 7, "no pool twice: {seen:?}");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), created);

    // A page that exactly fits has no NextToken.
    let all = app
        .sdk
        .list_user_pools()
        .max_results(7)
        .send()
        .await
        .unwrap();
    assert_eq!(all.user_pools().len(), 7);
    assert!(all.next_token().is_none());
}

#[tokio::test]
async fn list_pools_refuses_bad_input() {
    let app = TestApp::spawn().await;
    app.pool("a").await;
    let r = app.sdk.list_user_pools().max_results(61).send().await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = app.sdk.list_user_pools().max_results(0).send().await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = app
        .sdk
        .list_user_pools()
        .max_results(5)
        .next_token("not-a-token-we-issued")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn add_custom_attributes_extends_the_schema() {
    let app = TestApp::spawn().await;
    let pool = app.pool("extend").await;
    let before = describe(&app, &pool).await.schema_attributes().len();
    app.sdk
        .add_custom_attributes()
        .user_pool_id(&pool)
        .custom_attributes(custom("tenant", AttributeDataType::String))
        .custom_attributes(custom("level", AttributeDataType::Number))
        .send()
        .await
        .unwrap();
    let d = describe(&app, &pool).await;
    assert_eq!(d.schema_attributes().len(), before + 2);
    assert_eq!(
        schema_attr(&d, "custom:tenant").attribute_data_type(),
        Some(&AttributeDataType::String)
    );
    assert_eq!(
        schema_attr(&d, "custom:level").attribute_data_type(),
        Some(&AttributeDataType::Number)
    );

    // The new attribute is usable on users.
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(crate::helpers::attr("custom:tenant", "acme"))
        .send()
        .await
        .unwrap();
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(
        u.user_attributes()
            .iter()
            .any(|a| a.name() == "custom:tenant" && a.value() == Some("acme"))
    );
}

#[tokio::test]
async fn add_custom_attributes_refuses_duplicates() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("dup")
        .schema(custom("tenant", AttributeDataType::String))
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let before = describe(&app, &pool).await.schema_attributes().to_vec();
    let r = app
        .sdk
        .add_custom_attributes()
        .user_pool_id(&pool)
        .custom_attributes(custom("tenant", AttributeDataType::String))
        .send()
        .await;
    let (code, message) = err(r);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("tenant"), "{message}");

    app.sdk
        .add_custom_attributes()
        .user_pool_id(&pool)
        .custom_attributes(custom("plan", AttributeDataType::String))
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .add_custom_attributes()
        .user_pool_id(&pool)
        .custom_attributes(custom("plan", AttributeDataType::Number))
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let after = describe(&app, &pool).await;
    assert_eq!(after.schema_attributes().len(), before.len() + 1);
    assert_eq!(
        schema_attr(&after, "custom:plan").attribute_data_type(),
        Some(&AttributeDataType::String)
    );
}

#[tokio::test]
async fn unknown_pool_is_resource_not_found() {
    let app = TestApp::spawn().await;
    assert_eq!(
        err(app
            .sdk
            .describe_user_pool()
            .user_pool_id(MISSING)
            .send()
            .await),
        not_found(MISSING)
    );
    assert_eq!(
        err(app
            .sdk
            .delete_user_pool()
            .user_pool_id(MISSING)
            .send()
            .await),
        not_found(MISSING)
    );
    assert_eq!(
        err(app
            .sdk
            .update_user_pool()
            .user_pool_id(MISSING)
            .send()
            .await),
        not_found(MISSING)
    );
    let r = app
        .sdk
        .add_custom_attributes()
        .user_pool_id(MISSING)
        .custom_attributes(custom("x", AttributeDataType::String))
        .send()
        .await;
    assert_eq!(err(r), not_found(MISSING));
}

/// CreateUserPool and AddCustomAttributes check schemas as Cognito does, with its messages.
#[tokio::test]
async fn schemas_are_validated_like_cognito() {
    use cogito_testkit::sdk::types::{
        AttributeDataType as T, NumberAttributeConstraintsType as Num, SchemaAttributeType as A,
        StringAttributeConstraintsType as Str,
    };
    let app = TestApp::spawn().await;
    let refused = |attr: A, message: &str| {
        let app = &app;
        let message = message.to_owned();
        async move {
            let r = app
                .sdk
                .create_user_pool()
                .pool_name("schema")
                .schema(attr)
                .send()
                .await;
            assert_eq!(err(r), ("InvalidParameterException".into(), message));
        }
    };
    refused(
        A::builder().name("nickname2").build(),
        "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
    )
    .await;
    refused(
        A::builder()
            .name("email")
            .attribute_data_type(T::Number)
            .build(),
        "You can not change AttributeDataType or set developerOnlyAttribute for standard schema \
         attribute email",
    )
    .await;
    refused(
        A::builder()
            .name("email")
            .developer_only_attribute(true)
            .build(),
        "You can not change AttributeDataType or set developerOnlyAttribute for standard schema \
         attribute email",
    )
    .await;
    refused(
        A::builder()
            .name("email")
            .attribute_data_type(T::String)
            .string_attribute_constraints(Str::builder().max_length("2049").build())
            .build(),
        "user.email: String attributes cannot have a length of more than 2048",
    )
    .await;
    refused(
        A::builder()
            .name("email")
            .attribute_data_type(T::String)
            .string_attribute_constraints(Str::builder().min_length("2").max_length("1").build())
            .build(),
        "user.email: Max length cannot be less than min length.",
    )
    .await;
    refused(
        A::builder()
            .name("email")
            .attribute_data_type(T::String)
            .string_attribute_constraints(Str::builder().min_length("x").build())
            .build(),
        "Invalid StringAttributeConstraints for schema attribute email",
    )
    .await;
    refused(
        A::builder()
            .name("updated_at")
            .attribute_data_type(T::Number)
            .number_attribute_constraints(Num::builder().min_value("2").max_value("1").build())
            .build(),
        "user.updated_at: Max value cannot be less than min value.",
    )
    .await;

    // Constraints of another data type are dropped.
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("schema")
        .schema(
            A::builder()
                .name("level")
                .attribute_data_type(T::Number)
                .number_attribute_constraints(Num::builder().min_value("1").max_value("9").build())
                .string_attribute_constraints(Str::builder().max_length("5").build())
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let level = pool
        .schema_attributes()
        .iter()
        .find(|a| a.name() == Some("custom:level"))
        .unwrap();
    assert!(level.string_attribute_constraints().is_none());
    assert_eq!(
        level
            .number_attribute_constraints()
            .and_then(|c| c.max_value()),
        Some("9")
    );
    // AddCustomAttributes: the same rules.
    let r = app
        .sdk
        .add_custom_attributes()
        .user_pool_id(pool.id().unwrap())
        .custom_attributes(A::builder().name("tier").build())
        .send()
        .await;
    assert_eq!(
        err(r).1,
        "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
    );
}
