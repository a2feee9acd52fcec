'use strict';
// The plans of the statements a search runs, as ANALYZE shows them on the bench database:
// for one keyword of each kind, every statement the service would run (README "Performance").
// Uses the app's own statement builder as `npm run build` compiled it.
const path = require('node:path');

const COLUMNS = [ 'table', 'type', 'key', 'ref', 'rows', 'r_rows', 'r_filtered', 'Extra' ];

function format(rows) {
  const cells = rows.map(row => COLUMNS.map(column => (row[column] === null || row[column] === undefined ? '-' : String(row[column]))));
  const widths = COLUMNS.map((column, i) => Math.max(column.length, ...cells.map(line => line[i].length)));
  return [ COLUMNS, ...cells ].map(line => line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

// Sequelize-style named replacements (:name), escaped by the driver.
function inline(connection, sql, values) {
  return sql.replace(/:(\w+)/g, (whole, name) => (name in values ? connection.escape(values[name]) : whole));
}

async function searchPlans(connection, keywordsByKind, callerId, limit = 20) {
  const { gramLookup } = require(path.join(__dirname, '..', 'app', 'lib', 'account', 'searchGrams.js'));
  const { SearchPlan } = require(path.join(__dirname, '..', 'app', 'repository', 'search.js'));
  const out = [];
  for (const [ kind, [ keyword ]] of Object.entries(keywordsByKind)) {
    const plan = new SearchPlan(keyword, gramLookup(keyword));
    const values = plan.replacements(callerId, limit);
    const run = async sql => (await connection.query(inline(connection, sql, values)))[0];
    const sizes = plan.sizesOf(await run(plan.probe()));
    const first = await run(plan.first(sizes, limit));
    const tiers = plan.restInFirst(sizes, limit) ? 'all three tiers' : 'exact + prefix tiers';
    out.push(`-- ${kind} "${keyword}", ${tiers} (probe: ${JSON.stringify(sizes)})\n${format(await run(`ANALYZE ${plan.first(sizes, limit)}`))}`);
    if (first.length < limit && !plan.restInFirst(sizes, limit)) {
      values.limit = limit - first.length;
      out.push(`-- ${kind} "${keyword}", rest tier\n${format(await run(`ANALYZE ${plan.rest(sizes)}`))}`);
    }
  }
  return out;
}

module.exports = { searchPlans };
