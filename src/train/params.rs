//! The trainable parameters of any burn module (those that require a gradient: LoRA factors,
//! a reward head, or every weight in a full fine-tune), addressed by their module path
//! (`decoder.layers.0.self_attn.q_proj.weight...`): stable ids, counting, and reading and
//! replacing their values (what a checkpoint stores).
//!
//! burn keys optimizer state by [`ParamId`], which is random for a freshly built module. A
//! resumed run rebuilds its module, so [`assign_stable_ids`] derives each trainable
//! parameter's id from its path: the optimizer state saved by one process then matches the
//! parameters of the next.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::{Tensor, TensorData};

use super::error::TrainError;

/// Values of named `f32` tensors: path -> (shape, row-major data).
pub type NamedTensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// Tracks the module path during a visit or a map.
#[derive(Default)]
struct PathStack(Vec<String>);

impl PathStack {
    fn enter(&mut self, name: &str) {
        self.0.push(name.to_string());
    }
    fn exit(&mut self) {
        self.0.pop();
    }
    fn path(&self) -> String {
        self.0.join(".")
    }
}

/// The id [`assign_stable_ids`] gives the parameter at `path`.
pub fn stable_id(path: &str) -> ParamId {
    let hash = blake3::hash(path.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[..8]);
    ParamId::from(u64::from_le_bytes(bytes))
}

fn is_trainable<const D: usize>(param: &Param<Tensor<D>>) -> bool {
    param.base().is_require_grad()
}

/// Gives every trainable parameter of `module` the id derived from its path.
pub fn assign_stable_ids<M: Module>(module: M) -> M {
    struct Mapper(PathStack);
    impl ModuleMapper for Mapper {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.enter(name);
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.exit();
        }
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            if !is_trainable(&param) {
                return param;
            }
            let (_, tensor, mapper) = param.consume();
            Param::from_mapped_value(stable_id(&self.0.path()), tensor, mapper)
        }
    }
    module.map(&mut Mapper(PathStack::default()))
}

/// Path, id and shape of one trainable parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainableParam {
    pub path: String,
    pub id: ParamId,
    pub shape: Vec<usize>,
}

/// The trainable parameters of `module`, in traversal order.
pub fn trainable_params<M: Module>(module: &M) -> Vec<TrainableParam> {
    struct Visitor(PathStack, Vec<TrainableParam>);
    impl ModuleVisitor for Visitor {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.enter(name);
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.exit();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if is_trainable(param) {
                self.1.push(TrainableParam {
                    path: self.0.path(),
                    id: param.id,
                    shape: param.lazy_shape().dims::<D>().to_vec(),
                });
            }
        }
    }
    let mut visitor = Visitor(PathStack::default(), Vec::new());
    module.visit(&mut visitor);
    visitor.1
}

/// Number of scalars in the trainable parameters of `module`.
pub fn trainable_count<M: Module>(module: &M) -> usize {
    trainable_params(module)
        .iter()
        .map(|p| p.shape.iter().product::<usize>())
        .sum()
}

/// The values of every trainable parameter of `module`, by path.
pub fn read_trainable<M: Module>(module: &M) -> Result<NamedTensors, TrainError> {
    struct Visitor(PathStack, NamedTensors, Option<String>);
    impl ModuleVisitor for Visitor {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.enter(name);
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.exit();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if !is_trainable(param) {
                return;
            }
            let tensor = param.base();
            let shape = tensor.dims().to_vec();
            match tensor.into_data().convert::<f32>().try_into_vec::<f32>() {
                Ok(values) => {
                    self.1.insert(self.0.path(), (shape, values));
                }
                Err(e) => self.2 = Some(format!("{}: {e:?}", self.0.path())),
            }
        }
    }
    let mut visitor = Visitor(PathStack::default(), NamedTensors::new(), None);
    module.visit(&mut visitor);
    match visitor.2 {
        Some(reason) => Err(TrainError::config(
            "device",
            format!("cannot read a trainable parameter back from the device ({reason})"),
            "train on `cpu`, or on a device whose tensors can be read back",
        )),
        None => Ok(visitor.1),
    }
}

/// Replaces the value of every trainable parameter of `module` with the tensor of the same
/// path in `values` (training state kept). Every trainable parameter must be present with its
/// shape, and every value must be used; `source` names where the values came from in errors.
pub fn write_trainable<M: Module>(
    module: M,
    values: &NamedTensors,
    source: &std::path::Path,
) -> Result<M, TrainError> {
    struct Mapper<'a> {
        path: PathStack,
        values: &'a NamedTensors,
        used: usize,
        error: Option<String>,
    }
    impl ModuleMapper for Mapper<'_> {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.path.enter(name);
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.path.exit();
        }
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            if !is_trainable(&param) {
                return param;
            }
            let path = self.path.path();
            let expected = param.lazy_shape().dims::<D>().to_vec();
            match self.values.get(&path) {
                Some((shape, data)) if *shape == expected => {
                    self.used += 1;
                    param.map(|old| {
                        let device = old.device();
                        let grad = old.is_require_grad();
                        Tensor::<D>::from_data(
                            TensorData::new(data.clone(), shape.clone()),
                            &device,
                        )
                        .set_require_grad(grad)
                    })
                }
                Some((shape, _)) => {
                    self.error.get_or_insert(format!(
                        "`{path}` has shape {shape:?}, the model expects {expected:?}"
                    ));
                    param
                }
                None => {
                    self.error.get_or_insert(format!("`{path}` is missing"));
                    param
                }
            }
        }
    }
    let mut mapper = Mapper {
        path: PathStack::default(),
        values,
        used: 0,
        error: None,
    };
    let module = module.map(&mut mapper);
    if let Some(reason) = mapper.error {
        return Err(TrainError::CheckpointMismatch {
            path: source.to_path_buf(),
            reason,
        });
    }
    if mapper.used != values.len() {
        return Err(TrainError::CheckpointMismatch {
            path: source.to_path_buf(),
            reason: format!(
                "it holds {} trainable tensors, the model has {}",
                values.len(),
                mapper.used
            ),
        });
    }
    Ok(module)
}
