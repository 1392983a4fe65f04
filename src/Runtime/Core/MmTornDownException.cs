namespace PtLock;

/// <summary>An operation on an mm after exit_mmap tore it down.</summary>
public sealed class MmTornDownException : InvalidOperationException
{
    public MmTornDownException(int mmId, string operation)
        : base($"{operation} on mm{mmId}, which has been torn down (exit_mmap)") { }
}
