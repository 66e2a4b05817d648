import GRDB

/// The ledger's schema as numbered migrations (GRDB `DatabaseMigrator`): a database records which ones
/// it has (`grdb_migrations`), opening it for writing applies the missing ones in order, each in its own
/// transaction, and a database that has migrations this build does not know is refused rather than
/// written. Migrations are append-only: a released one is never edited, a change is a new one.
enum LedgerSchema {
  /// The migrations in order; `LedgerStore.schemaVersion` is their count.
  static let migrations: [(name: String, apply: @Sendable (Database) throws -> Void)] = [
    ("v1 tables", v1),
    ("v2 movements by time", v2),
    ("v3 service: channels, API keys, request records, changes outbox, webhooks", v3),
    ("v4 kits by component", v4),
    ("v5 purchase-order lines released from plans", v5),
  ]

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    for m in migrations { migrator.registerMigration(m.name, migrate: m.apply) }
    return migrator
  }

  /// v1: the schema of the first releases. `IF NOT EXISTS` throughout, so that a database created before
  /// migrations were recorded (the same tables, no `grdb_migrations`) takes v1 as a no-op and moves on.
  static func v1(_ db: Database) throws {
    try db.execute(sql: """
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');
        CREATE TABLE IF NOT EXISTS locations (
          location TEXT PRIMARY KEY, region TEXT NOT NULL DEFAULT '');
        CREATE TABLE IF NOT EXISTS skus (
          sku TEXT PRIMARY KEY,
          allow_backorder INTEGER NOT NULL DEFAULT 0 CHECK (allow_backorder IN (0, 1)),
          is_kit INTEGER NOT NULL DEFAULT 0 CHECK (is_kit IN (0, 1)),
          last_at INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS kit_components (
          kit TEXT NOT NULL REFERENCES skus(sku), component TEXT NOT NULL REFERENCES skus(sku),
          qty INTEGER NOT NULL CHECK (qty > 0), PRIMARY KEY (kit, component));
        CREATE TABLE IF NOT EXISTS positions (
          sku TEXT NOT NULL, location TEXT NOT NULL,
          sellable INTEGER NOT NULL DEFAULT 0 CHECK (sellable >= 0),
          committed INTEGER NOT NULL DEFAULT 0 CHECK (committed >= 0),
          backordered INTEGER NOT NULL DEFAULT 0 CHECK (backordered >= 0),
          inbound INTEGER NOT NULL DEFAULT 0 CHECK (inbound >= 0),
          in_transit INTEGER NOT NULL DEFAULT 0 CHECK (in_transit >= 0),
          quarantine INTEGER NOT NULL DEFAULT 0 CHECK (quarantine >= 0),
          damaged INTEGER NOT NULL DEFAULT 0 CHECK (damaged >= 0),
          avg_cost_micros INTEGER NOT NULL DEFAULT 0,
          CHECK (committed <= sellable),
          PRIMARY KEY (sku, location)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS events (
          id INTEGER PRIMARY KEY, source TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL,
          payload TEXT NOT NULL, at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
          error_code TEXT, error_message TEXT, UNIQUE (source, key));
        CREATE TABLE IF NOT EXISTS movements (
          id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL REFERENCES events(id),
          sku TEXT NOT NULL, location TEXT NOT NULL, bucket TEXT NOT NULL, qty INTEGER NOT NULL,
          flow TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS movements_by_sku ON movements (sku, location, at);
        CREATE INDEX IF NOT EXISTS movements_by_event ON movements (event_id);
        CREATE TABLE IF NOT EXISTS order_lines (
          order_id TEXT NOT NULL, line TEXT NOT NULL, component TEXT NOT NULL, sku TEXT NOT NULL,
          location TEXT NOT NULL, qty_per INTEGER NOT NULL,
          reserved INTEGER NOT NULL, backordered INTEGER NOT NULL DEFAULT 0, shipped INTEGER NOT NULL DEFAULT 0,
          released INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL,
          CHECK (shipped + released + backordered <= reserved), CHECK (returned <= shipped),
          PRIMARY KEY (order_id, line, component));
        CREATE INDEX IF NOT EXISTS order_lines_backordered ON order_lines (component, location, seq) WHERE backordered > 0;
        CREATE TABLE IF NOT EXISTS po_lines (
          po TEXT NOT NULL, sku TEXT NOT NULL, location TEXT NOT NULL, ordered INTEGER NOT NULL CHECK (ordered >= 0),
          received INTEGER NOT NULL DEFAULT 0, unit_cost_micros INTEGER NOT NULL DEFAULT 0,
          tolerance_percent INTEGER NOT NULL DEFAULT 0,
          status TEXT NOT NULL CHECK (status IN ('open', 'received', 'cancelled')), opened_at INTEGER NOT NULL,
          closed_at INTEGER, PRIMARY KEY (po, sku));
        CREATE TABLE IF NOT EXISTS receipt_lines (
          receipt TEXT NOT NULL, event_id INTEGER NOT NULL REFERENCES events(id), sku TEXT NOT NULL, location TEXT NOT NULL,
          qty INTEGER NOT NULL, value_micros INTEGER NOT NULL, landed_micros INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (receipt, event_id));
        CREATE TABLE IF NOT EXISTS transfers (
          transfer TEXT NOT NULL, sku TEXT NOT NULL, from_location TEXT NOT NULL, to_location TEXT NOT NULL,
          qty INTEGER NOT NULL, received INTEGER NOT NULL DEFAULT 0, cost_micros INTEGER NOT NULL DEFAULT 0,
          CHECK (received <= qty), PRIMARY KEY (transfer, sku));
      """)
  }

  /// v2: movements by time, for balances as of a time over every SKU and for change feeds.
  static func v2(_ db: Database) throws {
    try db.execute(sql: """
        CREATE INDEX IF NOT EXISTS movements_by_time ON movements (at);
        UPDATE meta SET value = '2' WHERE name = 'schema_version';
      """)
  }

  /// v3: what the HTTP service keeps beside the stock: channels with their allocation rule, API keys
  /// (hashed), request records (HTTP idempotency: the stored response per (source, key)), order owners,
  /// the change log (the transactional outbox and the change feed: written in the same transaction as the
  /// stock change) and webhook subscriptions with their delivery queue.
  static func v3(_ db: Database) throws {
    try db.execute(sql: """
        CREATE TABLE channels (
          channel TEXT PRIMARY KEY, buffer INTEGER NOT NULL DEFAULT 0 CHECK (buffer >= 0),
          buffer_percent INTEGER NOT NULL DEFAULT 0 CHECK (buffer_percent BETWEEN 0 AND 100),
          cap INTEGER CHECK (cap IS NULL OR cap >= 0));
        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, channel TEXT NOT NULL REFERENCES channels(channel),
          scopes TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
        CREATE TABLE request_records (
          source TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
          body TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (source, key)) WITHOUT ROWID;
        CREATE INDEX request_records_by_age ON request_records (created_at);
        CREATE TABLE order_owners (order_id TEXT PRIMARY KEY, channel TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE changes (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
          topic TEXT NOT NULL CHECK (topic IN ('inventory_levels/update', 'orders/updated')),
          sku TEXT, location TEXT, order_id TEXT, channel TEXT, payload TEXT NOT NULL);
        CREATE TABLE webhook_subscriptions (
          id TEXT PRIMARY KEY, channel TEXT NOT NULL REFERENCES channels(channel), url TEXT NOT NULL, secret TEXT NOT NULL,
          topics TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
          consecutive_failures INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, disabled_reason TEXT);
        CREATE TABLE webhook_deliveries (
          id INTEGER PRIMARY KEY, subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id),
          change_seq INTEGER NOT NULL REFERENCES changes(seq), attempts INTEGER NOT NULL DEFAULT 0,
          next_at INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
          last_error TEXT, delivered_at INTEGER);
        CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (subscription_id, id) WHERE status = 'pending';
        UPDATE meta SET value = '3' WHERE name = 'schema_version';
      """)
  }

  /// v4: kits looked up by component (every stock change logs the levels of the kits built from the SKUs
  /// it touched; without the index each lookup scanned `kit_components`).
  static func v4(_ db: Database) throws {
    try db.execute(sql: """
        CREATE INDEX kit_components_by_component ON kit_components (component);
        UPDATE meta SET value = '4' WHERE name = 'schema_version';
      """)
  }

  /// v5: which suggested PO lines of which plan were released into the ledger, by whom, at what quantity
  /// (`LedgerStore.perform` with `WriteRequest.releases`). One row per (plan, line): a line is ordered once.
  /// And the buyer's decision on a line before it is released (approved at a quantity, or deferred).
  static func v5(_ db: Database) throws {
    try db.execute(sql: """
        CREATE TABLE purchase_releases (
          plan_id TEXT NOT NULL, line_id TEXT NOT NULL, po TEXT NOT NULL, sku TEXT NOT NULL, location TEXT NOT NULL,
          supplier TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0), suggested_qty INTEGER NOT NULL CHECK (suggested_qty >= 0),
          unit_cost_micros INTEGER NOT NULL CHECK (unit_cost_micros >= 0), adjustment TEXT NOT NULL,
          released_by TEXT NOT NULL, released_at INTEGER NOT NULL, event_id INTEGER NOT NULL REFERENCES events(id),
          PRIMARY KEY (plan_id, line_id));
        CREATE INDEX purchase_releases_by_po ON purchase_releases (po);
        CREATE TABLE plan_line_decisions (
          plan_id TEXT NOT NULL, line_id TEXT NOT NULL,
          decision TEXT NOT NULL CHECK (decision IN ('approved', 'deferred')),
          qty INTEGER NOT NULL CHECK (qty > 0), adjustment TEXT NOT NULL,
          decided_by TEXT NOT NULL, decided_at INTEGER NOT NULL,
          PRIMARY KEY (plan_id, line_id));
        UPDATE meta SET value = '5' WHERE name = 'schema_version';
      """)
  }
}
