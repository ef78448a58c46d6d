use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use edgeid_core::ports::{Clock, Millis};
use edgeid_core::store::{
    Capabilities, Condition, Consumed, Key, Page, PutOptions, Record, Store, StoreError, Version, WriteOp,
};

use crate::error::map;
use crate::expr::{ABSENT, AT_VERSION, Expr, NOT_EXPIRED, NOT_MINE, PRESENT, UNCONSUMED};
use crate::item::{self, Item, VERSION, blob, full_item, live, n, primary_key, s, ttl_secs, written_by};

/// `TransactWriteItems` takes at most 100 actions.
pub const MAX_BATCH: usize = 100;

/// Attempts when a write races a transaction in flight on the same item.
const CONFLICT_ATTEMPTS: u32 = 5;

pub struct DynamoStore {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
    /// Random per store instance; with `writes`, names every write (`wid`).
    writer: u64,
    writes: AtomicU64,
}

impl DynamoStore {
    /// `clock` decides expiry (the same clock the `App` uses, so tests can move time).
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        // RandomState is seeded from the OS: a random 64-bit writer id without an RNG crate.
        let writer = RandomState::new().hash_one(std::process::id());
        Self { client, table: table.into(), clock, writer, writes: AtomicU64::new(0) }
    }

    /// A name no other write of any instance uses. Every conditional write stores it in `wid`:
    /// when an attempt lands but its response is lost (timeout, connection reset) and the
    /// SDK retries, the retry fails its condition and the condition-failure item shows our own
    /// `wid`, which proves the write happened. Without it a lost response would turn into a
    /// false `Conflict` (a "username taken" by oneself) or a false replay of a code.
    fn write_id(&self) -> String {
        format!("{:016x}-{}", self.writer, self.writes.fetch_add(1, Ordering::Relaxed))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

/// An `Always`/`IfPresent` write of a live (or absent) item: value replaced, version counted up,
/// consumed mark cleared, expiry set or removed.
fn update_expression(options: &PutOptions) -> String {
    let mut set = "SET #val = :value, #ver = if_not_exists(#ver, :zero) + :one, #wid = :wid".to_owned();
    let mut remove = "REMOVE #con".to_owned();
    if options.expires_at.is_some() {
        set.push_str(", #exp = :expires, #ttl = :ttl");
    } else {
        remove.push_str(", #exp, #ttl");
    }
    format!("{set} {remove}")
}

fn update_values(
    value: Vec<u8>,
    options: &PutOptions,
    now: Millis,
    write_id: &str,
) -> Vec<(&'static str, AttributeValue)> {
    let mut values =
        vec![(":value", blob(value)), (":zero", n(0)), (":one", n(1)), (":now", n(now)), (":wid", s(write_id))];
    if let Some(at) = options.expires_at {
        values.push((":expires", n(at)));
        values.push((":ttl", n(ttl_secs(at))));
    }
    values
}

fn version_of(item: Option<&Item>) -> Result<Version, StoreError> {
    match item.and_then(|i| i.get(VERSION)) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| StoreError::Corrupt(format!("ver is not an integer: {v}"))),
        _ => Err(StoreError::Corrupt("write returned no version".to_owned())),
    }
}

async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(5u64 << attempt.min(6))).await;
}

impl DynamoStore {
    /// PutItem of a whole new item under `condition` (IfAbsent → version 1, IfVersion(v) → v+1).
    async fn put_fresh(
        &self,
        key: &Key,
        value: Vec<u8>,
        expires_at: Option<Millis>,
        version: Version,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let write_id = self.write_id();
        let expr = Expr::new(&[condition], values);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(full_item(key, value, version, expires_at, &write_id)?))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match e.as_service_error() {
                // Failed now, but an earlier attempt of this same write landed.
                Some(PutItemError::ConditionalCheckFailedException(f)) => Ok(written_by(f.item(), &write_id)),
                _ => Err(map("PutItem", e)),
            },
        }
    }

    /// UpdateItem counting the version up, under `condition`; `None` if it failed.
    async fn put_update(
        &self,
        key: &Key,
        value: Vec<u8>,
        options: &PutOptions,
        condition: &str,
        now: Millis,
    ) -> Result<Option<Version>, StoreError> {
        let write_id = self.write_id();
        let update = update_expression(options);
        let condition = format!("({condition}) AND {NOT_MINE}");
        let expr = Expr::new(&[&update, &condition], update_values(value, options, now, &write_id));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(primary_key(key)?))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::UpdatedNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => version_of(out.attributes()).map(Some),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(f)) if written_by(f.item(), &write_id) => {
                    version_of(f.item()).map(Some)
                }
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(None),
                _ => Err(map("UpdateItem", e)),
            },
        }
    }

    fn transact_item(&self, op: WriteOp, now: Millis, write_id: &str) -> Result<TransactWriteItem, StoreError> {
        let all_old = ReturnValuesOnConditionCheckFailure::AllOld;
        let built = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Backend(e.to_string());
        let item = match op {
            WriteOp::Put { key, value, options } => match options.condition {
                Condition::Always | Condition::IfPresent => {
                    // In a transaction an expired item cannot restart at version 1 (no second
                    // round trip); it keeps counting, which only makes versions more unique.
                    let condition = (options.condition == Condition::IfPresent).then_some(PRESENT);
                    let update = update_expression(&options);
                    let mut exprs = vec![update.as_str()];
                    exprs.extend(condition);
                    let expr = Expr::new(&exprs, update_values(value, &options, now, write_id));
                    let u = Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(primary_key(&key)?))
                        .update_expression(update.clone())
                        .set_condition_expression(condition.map(str::to_owned))
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .return_values_on_condition_check_failure(all_old.clone())
                        .build()
                        .map_err(built)?;
                    TransactWriteItem::builder().update(u).build()
                }
                Condition::IfAbsent | Condition::IfVersion(_) => {
                    let (version, condition, values) = match options.condition {
                        Condition::IfVersion(v) => (v + 1, AT_VERSION, vec![(":now", n(now)), (":expected", n(v))]),
                        _ => (1, ABSENT, vec![(":now", n(now))]),
                    };
                    let expr = Expr::new(&[condition], values);
                    let p = Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(full_item(&key, value, version, options.expires_at, write_id)?))
                        .condition_expression(condition)
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .return_values_on_condition_check_failure(all_old.clone())
                        .build()
                        .map_err(built)?;
                    TransactWriteItem::builder().put(p).build()
                }
            },
            WriteOp::Delete { key, condition } => {
                let (condition, values) = match condition {
                    Condition::Always => (None, vec![]),
                    Condition::IfAbsent => (Some(ABSENT), vec![(":now", n(now))]),
                    Condition::IfPresent => (Some(PRESENT), vec![(":now", n(now))]),
                    Condition::IfVersion(v) => (Some(AT_VERSION), vec![(":now", n(now)), (":expected", n(v))]),
                };
                let expr = Expr::new(condition.as_slice(), values);
                let d = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(primary_key(&key)?))
                    .set_condition_expression(condition.map(str::to_owned))
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .return_values_on_condition_check_failure(all_old)
                    .build()
                    .map_err(built)?;
                TransactWriteItem::builder().delete(d).build()
            }
        };
        Ok(item)
    }
}

#[async_trait::async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(primary_key(key)?))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| map("GetItem", e))?;
        live(out.item(), self.clock.now_ms())
    }

    /// An eventually consistent read: half the read cost, and what the core asks for only on
    /// public data that may be a little stale (JWKS, discovery inputs).
    async fn get_relaxed(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(primary_key(key)?))
            .consistent_read(false)
            .send()
            .await
            .map_err(|e| map("GetItem", e))?;
        live(out.item(), self.clock.now_ms())
    }

    async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
        let conflict = || StoreError::Conflict { key: key.clone() };
        let now = self.clock.now_ms();
        match options.condition {
            Condition::IfAbsent => {
                let ok = self.put_fresh(key, value, options.expires_at, 1, ABSENT, vec![(":now", n(now))]).await?;
                if ok { Ok(1) } else { Err(conflict()) }
            }
            Condition::IfVersion(v) => {
                let values = vec![(":now", n(now)), (":expected", n(v))];
                let ok = self.put_fresh(key, value, options.expires_at, v + 1, AT_VERSION, values).await?;
                if ok { Ok(v + 1) } else { Err(conflict()) }
            }
            Condition::IfPresent => self.put_update(key, value, &options, PRESENT, now).await?.ok_or_else(conflict),
            Condition::Always => {
                // A live or absent item counts its version up in one UpdateItem; an expired one
                // is replaced by a fresh version-1 item, as if it were absent.
                for attempt in 0..CONFLICT_ATTEMPTS {
                    if let Some(v) = self.put_update(key, value.clone(), &options, NOT_EXPIRED, now).await? {
                        return Ok(v);
                    }
                    if self.put_fresh(key, value.clone(), options.expires_at, 1, ABSENT, vec![(":now", n(now))]).await?
                    {
                        return Ok(1);
                    }
                    backoff(attempt).await;
                }
                Err(StoreError::Unavailable(format!("put {key}: the item kept changing under concurrent writers")))
            }
        }
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(primary_key(key)?))
            .send()
            .await
            .map_err(|e| map("DeleteItem", e))?;
        Ok(())
    }

    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        let now = self.clock.now_ms();
        let write_id = self.write_id();
        let update = "SET #con = :now, #ver = #ver + :one, #wid = :wid";
        let expr = Expr::new(&[update, UNCONSUMED], vec![(":now", n(now)), (":one", n(1)), (":wid", s(&write_id))]);
        for attempt in 0..CONFLICT_ATTEMPTS {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(primary_key(key)?))
                .update_expression(update)
                .condition_expression(UNCONSUMED)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .return_values(ReturnValue::AllNew)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
                .await;
            let failed = match result {
                Ok(out) => {
                    return match out.attributes() {
                        Some(item) => Ok(Consumed::First(item::record(item)?)),
                        None => Err(StoreError::Corrupt("consume returned no item".to_owned())),
                    };
                }
                Err(e) => match e.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(failed)) => failed.item().cloned(),
                    _ => return Err(map("UpdateItem", e)),
                },
            };
            // The item as the condition saw it. DynamoDB Local sometimes returns none, or the
            // state before a concurrent winner's write, under contention: then read it back.
            if written_by(failed.as_ref(), &write_id) {
                // An earlier attempt of this consume landed and its response was lost: we won.
                if let Some(record) = live(failed.as_ref(), now)? {
                    return Ok(Consumed::First(record));
                }
            }
            // `Missing` is only ever concluded from a strongly consistent read: DynamoDB Local
            // has been seen to hand back an empty or outdated item on the failed condition
            // while the record was live (and consumed by the winner).
            let seen = match live(failed.as_ref(), now)? {
                Some(record) => Some(record),
                None => self.get(key).await?,
            };
            match seen {
                Some(record) if record.consumed_at.is_some() => return Ok(Consumed::Already(record)),
                None => return Ok(Consumed::Missing),
                // Live and unconsumed, yet the condition failed: a stale view; try again.
                Some(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Unavailable(format!("consume {key}: no consistent view of the item")))
    }

    async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let now = self.clock.now_ms();
        let start = prefix.child_prefix();
        let partition = item::partition(&start).to_owned();
        if limit == 0 || partition.is_empty() {
            return Ok(Page { items: vec![], cursor: None });
        }
        // Resume strictly after the cursor. A cursor before the prefix means "from the start";
        // one past every key under the prefix means there is nothing left.
        let mut exclusive_start = match cursor {
            Some(c) if c.starts_with(&start) => Some(primary_key(&Key::from_encoded(c))?),
            Some(c) if c > start.as_str() => return Ok(Page { items: vec![], cursor: None }),
            _ => None,
        };
        let key_condition = "#pk = :pk AND begins_with(#sk, :prefix)";
        let expr = Expr::new(&[key_condition], vec![(":pk", s(&partition)), (":prefix", s(&start))]);
        let mut items: Vec<(Key, Record)> = Vec::new();
        // One more live item than asked tells whether a next page exists.
        loop {
            let want = limit.saturating_add(1).saturating_sub(items.len());
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(key_condition)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .consistent_read(true)
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .set_exclusive_start_key(exclusive_start.take())
                .send()
                .await
                .map_err(|e| map("Query", e))?;
            for it in out.items() {
                if let Some(record) = live(Some(it), now)? {
                    items.push((item::key_of(it)?, record));
                }
            }
            if items.len() > limit {
                items.truncate(limit);
                let cursor = items.last().map(|(k, _)| k.as_str().to_owned());
                return Ok(Page { items, cursor });
            }
            match out.last_evaluated_key() {
                Some(last) if !last.is_empty() => exclusive_start = Some(last.clone()),
                _ => return Ok(Page { items, cursor: None }),
            }
        }
    }

    async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        if ops.is_empty() {
            return Ok(());
        }
        // Also refuses two ops on one key, as DynamoDB does (DynamoDB Local does not).
        edgeid_core::store::check_batch(&ops, MAX_BATCH)?;
        let keys: Vec<Key> = ops.iter().map(|op| op.key().clone()).collect();
        let now = self.clock.now_ms();
        let write_id = self.write_id();
        let items = ops.into_iter().map(|op| self.transact_item(op, now, &write_id)).collect::<Result<Vec<_>, _>>()?;
        for attempt in 0..CONFLICT_ATTEMPTS {
            let result = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let err = match result {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
                let reasons = cancelled.cancellation_reasons();
                // Real DynamoDB makes an SDK retry idempotent through ClientRequestToken; an
                // emulator may not, and then our own items show that the batch already landed.
                if reasons.iter().any(|r| written_by(r.item(), &write_id)) {
                    return Ok(());
                }
                let failed = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed"));
                if let Some(key) = failed.and_then(|i| keys.get(i)) {
                    return Err(StoreError::Conflict { key: key.clone() });
                }
                let codes: Vec<&str> = reasons.iter().filter_map(|r| r.code()).filter(|c| *c != "None").collect();
                if codes.contains(&"TransactionConflict") {
                    // Another transaction holds one of the items: once it lands, our conditions
                    // are checked against its result.
                    backoff(attempt).await;
                    continue;
                }
                let retryable = codes
                    .iter()
                    .any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded" | "TransactionConflict"));
                let message = format!("dynamodb TransactWriteItems cancelled: {}", codes.join(", "));
                return Err(if retryable { StoreError::Unavailable(message) } else { StoreError::Backend(message) });
            }
            let code = err.as_service_error().and_then(|e| e.code());
            if matches!(code, Some("TransactionInProgressException" | "TransactionConflictException")) {
                backoff(attempt).await;
                continue;
            }
            return Err(map("TransactWriteItems", err));
        }
        Err(StoreError::Unavailable("dynamodb TransactWriteItems: conflicting transactions kept winning".to_owned()))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { atomic_single_use: true, read_your_writes: true, max_batch: MAX_BATCH }
    }
}

#[cfg(test)]
mod tests {
    use edgeid_core::ports::FixedClock;

    use aws_sdk_dynamodb::config::retry::RetryConfig;

    use super::*;
    use crate::{ClientSettings, client_config};

    /// Nothing listens on the port: every operation must fail fast as retryable `Unavailable`
    /// (→ 503 / `temporarily_unavailable`), never hang or look like a missing record.
    #[tokio::test]
    async fn an_unreachable_dynamodb_is_unavailable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let settings = ClientSettings::local(&format!("http://127.0.0.1:{port}"));
        // Without the SDK's own retries (and their backoff): the mapping is what is tested.
        let config = client_config(&settings).retry_config(RetryConfig::disabled()).build();
        let store = DynamoStore::new(Client::from_conf(config), "t", Arc::new(FixedClock::new(0)));
        let key = Key::new(["code", "x"]);
        assert!(matches!(store.get(&key).await, Err(StoreError::Unavailable(_))));
        assert!(matches!(store.put(&key, vec![], PutOptions::IF_ABSENT).await, Err(StoreError::Unavailable(_))));
        assert!(matches!(store.consume(&key).await, Err(StoreError::Unavailable(_))));
        let ops = vec![WriteOp::Delete { key, condition: Condition::Always }];
        assert!(matches!(store.commit(ops).await, Err(StoreError::Unavailable(_))));
    }
}
