//! Run-time choice of the widest SIMD instruction set, and the macro that compiles a kernel
//! body once per instruction set.

use std::sync::OnceLock;

/// The instruction set the kernels run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimdLevel {
    /// x86-64 with AVX-512F (and FMA).
    Avx512,
    /// x86-64 with AVX2 and FMA.
    Avx2,
    /// Anything else: plain Rust, no fused multiply-add.
    Portable,
}

/// The widest level this CPU supports (detected once).
pub fn simd_level() -> SimdLevel {
    static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
    *LEVEL.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdLevel {
    if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma")
    {
        SimdLevel::Avx512
    } else if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        SimdLevel::Avx2
    } else {
        SimdLevel::Portable
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdLevel {
    SimdLevel::Portable
}

/// `a * b + c`, fused when `FMA` (the caller runs with the `fma` target feature).
#[inline(always)]
pub(crate) fn fma<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// Defines `pub fn $name(args) -> ret` that calls `$body::<true>` compiled for AVX-512 or
/// AVX2+FMA, or `$body::<false>` portable, by [`simd_level`]. `$body` must be
/// `#[inline(always)]` and generic over `const FMA: bool` only.
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? => $body:ident) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2,fma")]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $body::<true>($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $body::<true>($($arg),*)
                }
                match $crate::dispatch::simd_level() {
                    // SAFETY: the level was detected on this CPU, so the features are present.
                    $crate::dispatch::SimdLevel::Avx512 => return unsafe { avx512($($arg),*) },
                    $crate::dispatch::SimdLevel::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::dispatch::SimdLevel::Portable => {}
                }
            }
            $body::<false>($($arg),*)
        }
    };
}

pub(crate) use multiversion;
