using System.Reflection;
using Energizer.ML.Torch.OnnxExport;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Energizer.ML.Torch;

/// <summary>
/// Saves a <see cref="TorchClassifierTransformer"/> through <c>mlContext.Model.Save</c>. ML.NET's
/// persistence internals are closed (docs/design.md, "Platform facts"), so the transformer hands its save to
/// a chain of built-in, savable transformers that reproduce its output:
/// <list type="number">
/// <item>an <c>OnnxTransformer</c> over the exported network (it stores the ONNX bytes in the
/// model zip) giving the probabilities and the arg-max class as a one-hot vector;</item>
/// <item>a k-means model whose C centroids are exactly the C one-hot vectors, which turns the
/// one-hot vector into a scalar key (the OnnxTransformer cannot output scalars: its getter for
/// them fails, ML.NET 5.0.1), the cluster;</item>
/// <item>the cluster as a number, a value mapping from cluster to the label's key value, and
/// <c>MapValueToKey</c> over the key values in class order, so <c>PredictedLabel</c> has the
/// training label's key type and key values;</item>
/// <item><c>Score</c> copied from the ONNX output and the helper columns dropped.</item>
/// </list>
/// The saved model loads with <c>mlContext.Model.Load</c> wherever Microsoft.ML and
/// Microsoft.ML.OnnxTransformer (with an ONNX Runtime native package) are referenced; it loads as
/// that chain, not as a TorchClassifierTransformer.
/// </summary>
internal static class TorchClassifierModelSaving
{
    private const string ProbabilitiesColumnName = "Score.Onnx";
    private const string OneHotColumnName = "PredictedLabel.OneHot";
    private const string ClusterColumnName = "PredictedLabel.Cluster";
    private const string ValueColumnName = "PredictedLabel.Value";

    private static readonly MethodInfo LookupMethod =
        typeof(TorchClassifierModelSaving).GetMethod(nameof(Lookup), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static void Save(TorchClassifierTransformer model, ModelSaveContext context)
    {
        // Export first: an unsupported layer fails here, before anything is written to the context.
        byte[] onnx = OnnxNetworkWriter.ExportSingleRow(model, model.FeatureColumnName, ProbabilitiesColumnName, OneHotColumnName);
        string path = Path.Combine(Path.GetTempPath(), $"energizer-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, onnx);
        var parts = new List<ITransformer>();
        try
        {
            // Save receives no MLContext; this one only builds the chain.
            var mlContext = new MLContext(seed: 0);
            int classes = model.ClassCount;
            var onnxTransformer = mlContext.Transforms.ApplyOnnxModel([ProbabilitiesColumnName, OneHotColumnName], [model.FeatureColumnName], path)
                .Fit(EmptyFeatures(mlContext, model));
            parts.Add(onnxTransformer);

            var oneHots = mlContext.Data.LoadFromEnumerable(
                Enumerable.Range(0, classes).Select(c => new OneHotRow { OneHot = [.. Enumerable.Range(0, classes).Select(i => i == c ? 1f : 0f)] }),
                OneHotDefinition(classes));
            var clusters = mlContext.Clustering.Trainers.KMeans(new KMeansTrainer.Options
            {
                FeatureColumnName = OneHotColumnName,
                NumberOfClusters = classes,
                InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
                NumberOfThreads = 1,
            }).Fit(oneHots);
            parts.Add(clusters);
            // KMeans++ picks every distinct point once, so each class has its own cluster; read which.
            var clusterOfClass = clusters.Transform(oneHots).GetColumn<uint>("PredictedLabel").ToArray();
            if (clusterOfClass.Distinct().Count() != classes)
                throw new InvalidOperationException("Internal error: the class-to-cluster map is not one-to-one.");

            Array values = (Array?)model.KeyValues?.Values ?? Enumerable.Range(0, classes).Select(i => (long)i).ToArray();
            var lookup = (IDataView)LookupMethod.MakeGenericMethod(values.GetType().GetElementType()!).Invoke(null, [mlContext, clusterOfClass, values])!;
            var keys = mlContext.Transforms.SelectColumns("Value").Fit(lookup).Transform(lookup);
            var labelling = mlContext.Transforms.Conversion.ConvertType(ClusterColumnName, "PredictedLabel", DataKind.UInt32)
                .Append(mlContext.Transforms.Conversion.MapValue(ValueColumnName, lookup, lookup.Schema["Cluster"], lookup.Schema["Value"], ClusterColumnName))
                // Dropping a name drops its hidden copies too, so k-means' own Score and PredictedLabel
                // go before the final ones are added: those then come last, Score first, as TorchClassifier adds them.
                .Append(mlContext.Transforms.DropColumns(OneHotColumnName, ClusterColumnName, TorchClassifierSchema.ScoreColumnName, TorchClassifierSchema.PredictedLabelColumnName))
                .Append(mlContext.Transforms.CopyColumns(TorchClassifierSchema.ScoreColumnName, ProbabilitiesColumnName))
                .Append(mlContext.Transforms.Conversion.MapValueToKey(TorchClassifierSchema.PredictedLabelColumnName, ValueColumnName, keyData: keys))
                .Append(mlContext.Transforms.DropColumns(ProbabilitiesColumnName, ValueColumnName))
                .Fit(clusters.Transform(onnxTransformer.Transform(EmptyFeatures(mlContext, model))));
            parts.Add(labelling);
            ((ICanSaveModel)new TransformerChain<ITransformer>([.. parts])).Save(context);
        }
        finally
        {
            foreach (var part in parts) (part as IDisposable)?.Dispose();
            File.Delete(path);
        }
    }

    private static IDataView Lookup<T>(MLContext mlContext, uint[] clusterOfClass, Array values) =>
        mlContext.Data.LoadFromEnumerable(((T[])values).Select((value, i) => new LookupRow<T> { Cluster = clusterOfClass[i], Value = value }).ToList());

    private static SchemaDefinition OneHotDefinition(int classes)
    {
        var definition = SchemaDefinition.Create(typeof(OneHotRow));
        definition[nameof(OneHotRow.OneHot)].ColumnName = OneHotColumnName;
        definition[OneHotColumnName].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classes);
        return definition;
    }

    private static IDataView EmptyFeatures(MLContext mlContext, TorchClassifierTransformer model)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[nameof(FeatureRow.Features)].ColumnName = model.FeatureColumnName;
        definition[model.FeatureColumnName].ColumnType = new VectorDataViewType(NumberDataViewType.Single, model.FeatureCount);
        return mlContext.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), definition);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class OneHotRow
    {
        public float[] OneHot { get; set; } = [];
    }

    private sealed class LookupRow<T>
    {
        public uint Cluster { get; set; }

        public T Value { get; set; } = default!;
    }
}
