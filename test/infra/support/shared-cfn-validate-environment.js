/**
 * The infra tier's test environment: jest's node environment plus one `@aws/cloudformation-validate` per worker
 * process, shared by the test files that worker runs (see shared-cfn-validate.js for why).
 *
 * This file is loaded with Node's own require, whose cache lives as long as the worker: the validator and the engines
 * built below survive from one test file to the next, while everything else keeps jest's per-file isolation.
 */
const { TestEnvironment } = require('jest-environment-node');

const REAL_PACKAGE = require.resolve('@aws/cloudformation-validate', {
  paths: [require.resolve('aws-cdk-lib')],
});

let shared;

/**
 * The package accepts plain objects only, and an object made in a test file is not one to it: jest runs each file in
 * its own realm, whose Object.prototype differs from this worker's. structuredClone, called here, copies the value
 * into this realm, unchanged.
 */
const inThisRealm = (value) => (value === undefined ? undefined : structuredClone(value));

/**
 * The real package, with `CompositeEngine` built once per configuration (the rules it is given and their text):
 * aws-cdk-lib builds one per synth run for the resource types the templates hold and frees it when done, so the
 * stand-in keeps each engine and makes `free()` a no-op.
 */
function sharedPackage() {
  if (shared !== undefined) return shared;
  const real = require(REAL_PACKAGE);
  const engines = new Map();
  class SharedCompositeEngine {
    constructor(config) {
      const key = JSON.stringify(config ?? {});
      let engine = engines.get(key);
      if (engine === undefined) {
        engine = new real.CompositeEngine(inThisRealm(config));
        engines.set(key, engine);
      }
      this.engine = engine;
    }
    validateTemplate(template, config) {
      return this.engine.validateTemplate(template, inThisRealm(config));
    }
    validateStandard(template, config) {
      return this.engine.validateStandard(template, inThisRealm(config));
    }
    validateDetailed(template, config) {
      return this.engine.validateDetailed(template, inThisRealm(config));
    }
    validateAwsCliCommand(request) {
      return this.engine.validateAwsCliCommand(request);
    }
    listRules() {
      return this.engine.listRules();
    }
    engineName() {
      return this.engine.engineName();
    }
    /** Kept for the next synth (in this or a later test file); the worker's exit frees it. */
    free() {}
  }
  shared = { ...real, CompositeEngine: SharedCompositeEngine };
  return shared;
}

class SharedCloudFormationValidateEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__tmcSharedCloudFormationValidate = sharedPackage();
  }
}

module.exports = SharedCloudFormationValidateEnvironment;
