import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingestObjective } from './ingest.js';

const names = (objective: string) => ingestObjective(objective).match_conditions.map((c) => c.name);

test('companies: a condition for the words before the noun and one per clause, names in snake_case', () => {
  const schema = ingestObjective('Find AI companies in Berlin that raised a Series A in 2024');
  assert.equal(schema.entity_type, 'companies');
  assert.equal(schema.objective, 'Find AI companies in Berlin that raised a Series A in 2024');
  assert.deepEqual(schema.match_conditions, [
    { name: 'ai_company', description: 'Company is an AI company' },
    { name: 'based_in_berlin', description: 'Company is based in Berlin' },
    { name: 'raised_series_a_2024', description: 'Company raised a Series A in 2024' },
  ]);
});

test('people, products and organisations give their entity types and subjects', () => {
  const people = ingestObjective('Find founders who previously worked at Google and are based in London');
  assert.equal(people.entity_type, 'people');
  assert.deepEqual(
    people.match_conditions.map((c) => c.description),
    ['Person is a founder', 'Person previously worked at Google', 'Person is based in London'],
  );
  const products = ingestObjective('List open-source developer tools with more than 1000 GitHub stars');
  assert.equal(products.entity_type, 'products');
  assert.deepEqual(products.match_conditions, [
    { name: 'open_source_developer_tool', description: 'Product is an open-source developer tool' },
    { name: 'more_than_1000_github_stars', description: 'Product has more than 1000 GitHub stars' },
  ]);
  const orgs = ingestObjective('Find nonprofits focused on climate education in Kenya.');
  assert.equal(orgs.entity_type, 'organizations');
  assert.deepEqual(names('Find nonprofits focused on climate education in Kenya.'), ['nonprofit', 'focused_climate_education_kenya']);
  assert.deepEqual(ingestObjective('Find products that support offline mode').match_conditions, [
    { name: 'support_offline_mode', description: 'Product supports offline mode' },
  ]);
});

test('an unknown noun is its own entity type; clauses after "with" and participles are split', () => {
  const schema = ingestObjective('Find restaurants in Paris with a Michelin star');
  assert.equal(schema.entity_type, 'restaurants');
  assert.deepEqual(
    schema.match_conditions.map((c) => c.name),
    ['based_in_paris', 'michelin_star'],
  );
  assert.deepEqual(
    ingestObjective('Find fintech startups in Munich founded after 2019').match_conditions.map((c) => c.description),
    ['Company is a fintech startup', 'Company is based in Munich', 'Company was founded after 2019'],
  );
});

test('never without a condition; URLs are no conditions; the same objective gives the same schema', () => {
  const bare = ingestObjective('https://x.test/list');
  assert.equal(bare.entity_type, 'entities');
  assert.equal(bare.match_conditions.length, 1);
  assert.equal(bare.match_conditions[0].name, 'matches_objective');
  assert.deepEqual(names('Berlin bakeries https://x.test/list'), ['berlin_bakery']);
  assert.deepEqual(names('Find AI companies listed on https://x.test/list, in Berlin'), ['ai_company', 'based_in_berlin']);
  assert.deepEqual(names('Find AI companies in Berlin from https://x.test/'), ['ai_company', 'based_in_berlin']);
  assert.deepEqual(names('companies'), ['matches_objective']);
  const objective = 'Find AI companies in Berlin, with more than 50 employees, that raised a Series B';
  assert.deepEqual(ingestObjective(objective), ingestObjective(objective));
  for (const { name } of ingestObjective(objective).match_conditions) assert.match(name, /^[a-z0-9]+(?:_[a-z0-9]+)*$/);
});

test('condition names are unique within a schema', () => {
  assert.deepEqual(names('Find companies in Berlin and in Berlin'), ['based_in_berlin', 'based_in_berlin_2']);
});
