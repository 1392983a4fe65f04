using System.Text;

namespace PtLock.Cli.Input;

/// <summary>
/// A C# file as read from disk: its text and the encoding it came in (with or without a byte-order mark),
/// so that <c>ptlock fix</c> writes it back the way it found it.
/// </summary>
/// <param name="FullPath">Absolute path; the key for .editorconfig lookups and for writing back.</param>
/// <param name="DisplayPath">Relative to the working directory when below it, otherwise absolute.</param>
/// <param name="Text">The decoded text, without the byte-order mark.</param>
/// <param name="Encoding">Encodes the text back to the file's bytes; its preamble is the original BOM, if any.</param>
internal sealed record SourceFile(string FullPath, string DisplayPath, string Text, Encoding Encoding)
{
    public byte[] Encode(string text)
    {
        byte[] preamble = Encoding.GetPreamble();
        byte[] body = Encoding.GetBytes(text);
        var bytes = new byte[preamble.Length + body.Length];
        preamble.CopyTo(bytes, 0);
        body.CopyTo(bytes, preamble.Length);
        return bytes;
    }
}
