//! The device-independent ALS model API (configuration, factors, backends).
