using System;
using TorchSharp;

namespace Steering;

/// <summary>Turns a device name into a TorchSharp device, with a clear error where the device is not available.</summary>
internal static class TorchDevices
{
    public static torch.Device Parse(string name)
    {
        var trimmed = name.Trim().ToLowerInvariant();
        if (trimmed == "cpu") return torch.CPU;
        if (trimmed == "cuda" || trimmed.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new SteeringException(
                    $"device '{name}': CUDA is not available here (the application's libtorch is a CPU one: reference TorchSharp-cuda-linux or TorchSharp-cuda-windows instead, or in the Steering repository build with -p:SteeringTorchBackend=cuda, on a machine with a GPU)");
            return torch.device(trimmed);
        }
        throw new SteeringException($"device '{name}' is not known; use cpu, cuda or cuda:N");
    }
}
