//! Gradient bookkeeping across a whole module: the global L2 norm of all gradients and
//! clipping them together to a maximum norm, as `torch.nn.utils.clip_grad_norm_` does
//! (burn's own clipping works one tensor at a time).

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

/// The L2 norm of every gradient in `grads` that belongs to a parameter of `module`.
pub fn global_norm<M: Module>(module: &M, grads: &GradientsParams) -> f64 {
    struct Visitor<'a> {
        grads: &'a GradientsParams,
        sum_squares: f64,
    }
    impl ModuleVisitor for Visitor<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = self.grads.get::<D>(param.id) {
                let sq: f32 = grad.square().sum().into_scalar();
                self.sum_squares += f64::from(sq);
            }
        }
    }
    let mut visitor = Visitor {
        grads,
        sum_squares: 0.0,
    };
    module.visit(&mut visitor);
    visitor.sum_squares.sqrt()
}

/// Multiplies every gradient of `module`'s parameters by `factor`.
pub fn scale<M: Module>(module: &M, grads: &mut GradientsParams, factor: f64) {
    struct Visitor<'a> {
        grads: &'a mut GradientsParams,
        factor: f64,
    }
    impl ModuleVisitor for Visitor<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = self.grads.remove::<D>(param.id) {
                self.grads
                    .register::<D>(param.id, grad.mul_scalar(self.factor as f32));
            }
        }
    }
    module.visit(&mut Visitor { grads, factor });
}

/// Clips the gradients to a global norm of at most `max_norm` and returns the norm before
/// clipping (what trainers log as `grad_norm`). Like PyTorch, the factor is
/// `max_norm / (norm + 1e-6)`, applied only when it is below 1.
pub fn clip_global_norm<M: Module>(
    module: &M,
    grads: &mut GradientsParams,
    max_norm: Option<f64>,
) -> f64 {
    let norm = global_norm(module, grads);
    if let Some(max_norm) = max_norm {
        let factor = max_norm / (norm + 1e-6);
        if factor < 1.0 {
            scale(module, grads, factor);
        }
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::{Device, TensorData};

    #[test]
    fn global_norm_and_clipping_match_hand_values() {
        let device = Device::flex().autodiff();
        let mut linear: Linear = LinearConfig::new(2, 1).init(&device);
        linear.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![1.0f32, 1.0], [2, 1]),
            &device,
        ));
        // loss = sum(x @ w + b) with x = [[3, 4]]: d/dw = [3, 4], d/db = [1]; norm = sqrt(26).
        let x = Tensor::<2>::from_data(TensorData::new(vec![3.0f32, 4.0], [1, 2]), &device);
        let loss = linear.forward(x).sum();
        let mut grads = GradientsParams::from_grads(loss.backward(), &linear);
        let norm = global_norm(&linear, &grads);
        assert!((norm - 26f64.sqrt()).abs() < 1e-6, "{norm}");
        let before = clip_global_norm(&linear, &mut grads, Some(1.0));
        assert!((before - 26f64.sqrt()).abs() < 1e-6);
        let after = global_norm(&linear, &grads);
        assert!((after - 1.0).abs() < 1e-5, "{after}");
        let w: Vec<f32> = grads
            .get::<2>(linear.weight.id)
            .unwrap()
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let k = 1.0 / (26f32.sqrt() + 1e-6);
        assert!((w[0] - 3.0 * k).abs() < 1e-6 && (w[1] - 4.0 * k).abs() < 1e-6);
        // Under the limit: untouched.
        let untouched = clip_global_norm(&linear, &mut grads, Some(10.0));
        assert!((untouched - after).abs() < 1e-9);
    }
}
