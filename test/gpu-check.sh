#!/usr/bin/env bash
# GPU check for ONNX pool scoring (issue 8). Needs an NVIDIA GPU, its driver, and the CUDA 12/13
# and cuDNN libraries that Microsoft.ML.OnnxRuntime.Gpu 1.31.0 loads, on the library path.
# Builds a throwaway app (outside the solution, deleted afterwards) that scores one random pool
# with the same exported network on the CPU provider and on CUDA (RequireGpu: no silent fallback),
# checks the probabilities agree (deterministic mode) and prints rows/s for both.
# Usage: test/gpu-check.sh [rows]   (default 200000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-200000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/GpuCheck.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$root/src/Energizer.ML/Energizer.ML.csproj" />
    <PackageReference Include="Microsoft.ML.OnnxRuntime.Gpu" Version="1.31.0" />
  </ItemGroup>
</Project>
XML
# The library's own Directory.*.props must not apply to the throwaway project.
echo '<Project />' > "$work/Directory.Build.props"
echo '<Project />' > "$work/Directory.Packages.props"

cat > "$work/Program.cs" <<'CS'
using System.Diagnostics;
using Energizer.ML.Inference;
using Energizer.ML.Onnx;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

int rows = int.Parse(args[0]);
const int features = 784, classes = 10, batch = 4096;
TorchRuntime.EnsureLoaded();
torch.manual_seed(1);
var mlContext = new MLContext(seed: 1);
using var network = Networks.Mlp([256, 256], 0.5)(features, classes);
byte[] model = TorchOnnxExporter.Export(network, features);
var random = new Random(2);
var definition = SchemaDefinition.Create(typeof(Row));
definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
var pool = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(
    Enumerable.Range(0, rows).Select(_ => new Row { Features = [.. Enumerable.Range(0, features).Select(_ => (float)random.NextDouble())] }).ToList(), definition));

(float[] Values, double RowsPerSecond, string Provider) Score(OnnxClassifierOptions options)
{
    options.BatchSize = batch;
    using var classifier = OnnxClassifier.Load(mlContext, model, options);
    var bound = InferenceMode.Deterministic.Bind(classifier, pool.Schema, null, false);
    var result = new float[rows * classes];
    double rowsPerSecond = 0;
    for (int pass = 0; pass < 2; pass++) // the first pass warms up (CUDA kernels, allocations); the second is timed
    {
        var clock = Stopwatch.StartNew();
        using var cursor = pool.GetRowCursor(bound.InputColumns(pool.Schema));
        using var reader = bound.CreateReader(cursor);
        int offset = 0;
        while (reader.Next(batch, () => { }) is { } next)
        {
            next.Probabilities.Values.CopyTo(result.AsSpan(offset));
            offset += next.Probabilities.Values.Length;
        }
        rowsPerSecond = rows / clock.Elapsed.TotalSeconds;
    }
    return (result, rowsPerSecond, classifier.ExecutionProvider);
}

var cpu = Score(new OnnxClassifierOptions { UseGpu = false });
var gpu = Score(new OnnxClassifierOptions { RequireGpu = true });
double gap = cpu.Values.Zip(gpu.Values).Max(p => Math.Abs(p.First - p.Second));
Console.WriteLine($"rows: {rows}, MLP 784-256-256-10, batches of {batch}");
Console.WriteLine($"CPU ({cpu.Provider}): {cpu.RowsPerSecond:F0} rows/s");
Console.WriteLine($"GPU ({gpu.Provider}): {gpu.RowsPerSecond:F0} rows/s ({gpu.RowsPerSecond / cpu.RowsPerSecond:F1}x CPU)");
Console.WriteLine($"largest probability difference CUDA vs CPU: {gap:E2}");
if (gpu.Provider != "CUDA" || gap > 1e-4)
{
    Console.WriteLine("FAILED: CUDA scoring must run on CUDA and equal the CPU result within 1e-4.");
    return 1;
}
Console.WriteLine("PASSED");
return 0;

sealed class Row
{
    public float[] Features { get; set; } = [];
}
CS

dotnet run -c Release --project "$work/GpuCheck.csproj" -- "$rows"
