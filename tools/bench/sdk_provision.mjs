// Provisions a benchmark workload with the AWS SDK for JavaScript v3, the
// way a team script would: per table CreateTable with its GSI, the SDK's
// waitUntilTableExists (ACTIVE), UpdateTimeToLive, then a conditional
// PutItem per seed. At most --concurrency requests are in flight at once,
// over keep-alive connections.
//
//   node sdk_provision.mjs --workload FILE --endpoint URL --prefix CODE --concurrency N
//
// Credentials and region come from the environment, as for any SDK client.
// Prints one JSON line with the request counts (retries by the SDK are not
// counted); exits 1 on any failure.
import http from "node:http";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";

const WAIT_MAX_SECONDS = 120;

// Returns a function that runs async tasks with at most `limit` at once.
function limiter(limit) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= limit || queue.length === 0) return;
    active++;
    const { task, resolve, reject } = queue.shift();
    task().then(resolve, reject).finally(() => {
      active--;
      next();
    });
  };
  return (task) =>
    new Promise((resolve, reject) => {
      queue.push({ task, resolve, reject });
      next();
    });
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      workload: { type: "string" },
      endpoint: { type: "string" },
      prefix: { type: "string" },
      concurrency: { type: "string", default: "8" },
    },
  });
  for (const name of ["workload", "endpoint", "prefix"]) {
    if (!values[name]) throw new Error(`missing --${name}`);
  }
  const concurrency = Number.parseInt(values.concurrency, 10);
  if (!(concurrency >= 1)) throw new Error(`invalid --concurrency '${values.concurrency}'`);
  return { ...values, concurrency };
}

async function provisionTable(client, prefix, table, counts) {
  const tableName = `${prefix}-${table.name}`;

  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: table.attribute_definitions,
        KeySchema: table.key_schema,
        BillingMode: table.billing_mode,
        GlobalSecondaryIndexes: table.global_secondary_indexes,
      }),
    );
    counts.create_table++;
  } catch (e) {
    if (e.name !== "ResourceInUseException") throw e;
  }

  await waitUntilTableExists(
    { client, minDelay: 1, maxDelay: 10, maxWaitTime: WAIT_MAX_SECONDS },
    { TableName: tableName },
  );

  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: table.ttl_attribute, Enabled: true },
    }),
  );
  counts.update_time_to_live++;

  await Promise.all(
    table.seeds.map(async (seed) => {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: seed.item,
            ConditionExpression: seed.condition_expression,
          }),
        );
        counts.put_item++;
      } catch (e) {
        if (e.name !== "ConditionalCheckFailedException") throw e;
        counts.already_present++;
      }
    }),
  );
}

async function main() {
  const options = parseOptions();
  const workload = JSON.parse(readFileSync(options.workload, "utf8"));
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    requestHandler: {
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: options.concurrency }),
    },
  });

  // Every request, the waiter's DescribeTable calls included, passes
  // through one limiter, so at most `concurrency` are in flight.
  const counts = {
    requests: 0,
    create_table: 0,
    update_time_to_live: 0,
    put_item: 0,
    already_present: 0,
  };
  const limit = limiter(options.concurrency);
  const send = client.send.bind(client);
  client.send = (command, ...rest) =>
    limit(() => {
      counts.requests++;
      return send(command, ...rest);
    });

  const tables = workload.providers.flatMap((provider) => provider.tables);
  await Promise.all(tables.map((table) => provisionTable(client, options.prefix, table, counts)));
  client.destroy();
  console.log(JSON.stringify(counts));
}

main().catch((e) => {
  console.error(`sdk_provision: ${e.name}: ${e.message}`);
  process.exit(1);
});
