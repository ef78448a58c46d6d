//! Email templates (Logto's `email_templates`): per (language tag, template type) the subject
//! and content an email connector uses instead of the templates in its own config.
//!
//! The record lives under its unique pair, so the send path finds a template in one read; an
//! id index serves the Management API's `/:id` routes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::TENANT_ID;
use super::table::{self, Versioned};
use crate::connectors::TemplateType;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, Store, StoreError, WriteOp, keys};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailTemplate {
    pub tenant_id: String,
    pub id: String,
    pub language_tag: String,
    pub template_type: TemplateType,
    /// `{subject, content, contentType?, replyTo?, sendFrom?}`.
    pub details: Map<String, Value>,
    pub created_at: Millis,
}

impl EmailTemplate {
    pub fn new(
        id: String,
        language_tag: String,
        template_type: TemplateType,
        details: Map<String, Value>,
        at: Millis,
    ) -> Self {
        Self { tenant_id: TENANT_ID.to_owned(), id, language_tag, template_type, details, created_at: at }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdEntry {
    language_tag: String,
    template_type: TemplateType,
}

pub async fn find(
    store: &dyn Store,
    language_tag: &str,
    template_type: TemplateType,
) -> Result<Option<Versioned<EmailTemplate>>, Internal> {
    table::read(store, &keys::email_template(language_tag, template_type.as_str())).await
}

pub async fn find_by_id(store: &dyn Store, id: &str) -> Result<Option<Versioned<EmailTemplate>>, Internal> {
    let Some(entry) = table::read::<IdEntry>(store, &keys::email_template_by_id(id)).await? else {
        return Ok(None);
    };
    Ok(find(store, &entry.value.language_tag, entry.value.template_type).await?.filter(|t| t.value.id == id))
}

/// Every template, oldest first.
pub async fn list(store: &dyn Store) -> Result<Vec<EmailTemplate>, Internal> {
    let mut all: Vec<EmailTemplate> = table::list(store, &keys::email_templates(), None).await?;
    all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    Ok(all)
}

/// Logto's `getI18nEmailTemplate`: the template for (`language_tag`, type), else for the
/// fallback language, else the fallback language's `Generic` template.
pub async fn find_for_message(
    store: &dyn Store,
    template_type: TemplateType,
    language_tag: Option<&str>,
    fallback_language: &str,
) -> Result<Option<Map<String, Value>>, Internal> {
    if let Some(tag) = language_tag
        && let Some(found) = find(store, tag, template_type).await?
    {
        return Ok(Some(found.value.details));
    }
    if let Some(found) = find(store, fallback_language, template_type).await? {
        return Ok(Some(found.value.details));
    }
    Ok(find(store, fallback_language, TemplateType::Generic).await?.map(|t| t.value.details))
}

/// Insert `template`, or replace the details of the one with the same pair (keeping its id and
/// creation time, as Logto's upsert does). Returns what is stored.
pub async fn upsert(store: &dyn Store, template: &EmailTemplate) -> Result<EmailTemplate, WriteError> {
    let key = keys::email_template(&template.language_tag, template.template_type.as_str());
    let current = find(store, &template.language_tag, template.template_type).await?;
    let (next, ops) = match current {
        Some(current) => {
            let next = EmailTemplate { details: template.details.clone(), ..current.value };
            (next.clone(), vec![table::put(key, table::encode(&next)?, Condition::IfVersion(current.version))])
        }
        None => {
            let entry = IdEntry { language_tag: template.language_tag.clone(), template_type: template.template_type };
            let ops = vec![
                table::put(key, table::encode(template)?, Condition::IfAbsent),
                table::put(keys::email_template_by_id(&template.id), table::encode(&entry)?, Condition::IfAbsent),
            ];
            (template.clone(), ops)
        }
    };
    store.commit(ops).await.map_err(WriteError::from_store)?;
    Ok(next)
}

pub async fn update(
    store: &dyn Store,
    current: &Versioned<EmailTemplate>,
    next: &EmailTemplate,
) -> Result<(), WriteError> {
    let key = keys::email_template(&next.language_tag, next.template_type.as_str());
    store
        .commit(vec![table::put(key, table::encode(next)?, Condition::IfVersion(current.version))])
        .await
        .map_err(WriteError::from_store)
}

/// Delete these templates (chunked to stay inside every backend's transaction size).
pub async fn delete(store: &dyn Store, templates: &[EmailTemplate]) -> Result<(), WriteError> {
    for chunk in templates.chunks(40) {
        let ops: Vec<WriteOp> = chunk
            .iter()
            .flat_map(|t| {
                [
                    table::delete(keys::email_template(&t.language_tag, t.template_type.as_str())),
                    table::delete(keys::email_template_by_id(&t.id)),
                ]
            })
            .collect();
        store.commit(ops).await.map_err(WriteError::from_store)?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// A concurrent write won; re-read and retry.
    Conflict,
    Internal(Internal),
}

impl WriteError {
    fn from_store(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => WriteError::Conflict,
            other => WriteError::Internal(other.into()),
        }
    }
}

impl From<Internal> for WriteError {
    fn from(e: Internal) -> Self {
        WriteError::Internal(e)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::testing::store;

    fn details(subject: &str) -> Map<String, Value> {
        json!({ "subject": subject, "content": "{{code}}" }).as_object().unwrap().clone()
    }

    #[tokio::test]
    async fn upsert_keeps_one_template_per_pair_and_the_lookup_falls_back() {
        let s = store();
        let en = EmailTemplate::new("t1".into(), "en".into(), TemplateType::Generic, details("en generic"), 1);
        upsert(&s, &en).await.unwrap();
        let again = EmailTemplate::new("t2".into(), "en".into(), TemplateType::Generic, details("en generic 2"), 2);
        let stored = upsert(&s, &again).await.unwrap();
        assert_eq!((stored.id.as_str(), stored.details["subject"].as_str()), ("t1", Some("en generic 2")));
        assert_eq!(list(&s).await.unwrap().len(), 1);
        assert!(find_by_id(&s, "t2").await.unwrap().is_none());
        upsert(&s, &EmailTemplate::new("t3".into(), "de".into(), TemplateType::SignIn, details("de sign-in"), 3))
            .await
            .unwrap();

        let pick = |tag: Option<&'static str>, t: TemplateType| find_for_message(&s, t, tag, "en");
        assert_eq!(pick(Some("de"), TemplateType::SignIn).await.unwrap().unwrap()["subject"], "de sign-in");
        assert_eq!(pick(Some("fr"), TemplateType::SignIn).await.unwrap().unwrap()["subject"], "en generic 2");
        assert_eq!(pick(None, TemplateType::Register).await.unwrap().unwrap()["subject"], "en generic 2");
        delete(&s, &list(&s).await.unwrap()).await.unwrap();
        assert!(pick(Some("de"), TemplateType::SignIn).await.unwrap().is_none());
        assert!(find_by_id(&s, "t1").await.unwrap().is_none());
    }
}
